//! `/v1/forms`: create, list and read landing-page forms with their fields.

use axum::Router;
use reachly_jobs::audit::SubjectType;
use reachly_jobs::{Permission, TenantTx};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::creates::{NewResource, create};
use super::form_fields::{FieldInput, parse_fields};
use super::input::{bounded, limits, required};
use super::paging::PageParams;
use super::reads::Resource;
use crate::auth::Member;
use crate::error::ApiError;
use crate::openapi::errors::{BodyRefused, Conflict, Refused, RefusedOrNotFound};
use crate::shapes::common::{IdPath, Page};
use crate::shapes::content::Form;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/forms", FORMS.index().post(create::<NewForm>))
        .route("/v1/forms/{id}", FORMS.show::<Uuid>())
}

/// A form with its fields in position order, as every form endpoint returns it (`f` is the
/// `forms` row).
const FORM_JSON: &str = "jsonb_build_object('id', f.id, 'name', f.name, 'slug', f.slug,
        'created_at', f.created_at, 'updated_at', f.updated_at,
        'fields', coalesce((
            select jsonb_agg(jsonb_build_object('id', ff.id, 'key', ff.key, 'label', ff.label,
                       'field_type', ff.field_type, 'required', ff.required,
                       'options', ff.options, 'position', ff.position) order by ff.position)
              from form_fields ff
             where ff.organization_id = f.organization_id and ff.form_id = f.id), '[]'))";

/// Forms as the reads show them.
static FORMS: Resource =
    Resource::new("form", "forms f", FORM_JSON).read_by(Permission::CampaignRead);

/// A new form as clients send it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewForm {
    /// At most 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// Lowercase letters and digits joined by single hyphens, at most 100 characters; unique
    /// in the organization.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 100)]
    slug: String,
    /// 1 to 100 fields, in position order.
    #[schema(min_items = 1, max_items = 100)]
    fields: Vec<FieldInput>,
}

/// The organization's forms
///
/// Newest first, with their fields (`campaign.read`).
#[utoipa::path(get, path = "/v1/forms", tag = "forms", params(PageParams),
    responses((status = 200, description = "A page of forms", body = Page<Form>), Refused))]
#[allow(dead_code)]
fn index_doc() {}

/// A form
///
/// With its fields in position order (`campaign.read`).
#[utoipa::path(get, path = "/v1/forms/{id}", tag = "forms", params(IdPath),
    responses((status = 200, description = "The form", body = Form), RefusedOrNotFound))]
#[allow(dead_code)]
fn show_doc() {}

/// Create a form
///
/// With its typed fields; a slug the organization already uses is `409` (`campaign.send`).
#[utoipa::path(post, path = "/v1/forms", tag = "forms", request_body = NewForm,
    responses(
        (status = 201, description = "Created", body = Form,
            headers(("Location" = String, description = "Where the form is"))), Refused, Conflict,
        BodyRefused))]
#[allow(dead_code)]
fn create_doc() {}

/// A slug as it appears in a landing page's address: lowercase letters and digits in
/// groups joined by single hyphens, at most 100 characters.
fn valid_slug(slug: &str) -> bool {
    slug.len() <= 100
        && !slug.is_empty()
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// A form is inserted with its fields; its slug is unique in the organization.
impl NewResource for NewForm {
    const WRITE: Permission = Permission::CampaignSend;
    const PATH: &'static str = "/v1/forms";

    async fn insert(self, tx: &mut TenantTx, member: &Member) -> Result<(Uuid, Value), ApiError> {
        let name = required("name", &self.name, limits::NAME)?;
        bounded("slug", &self.slug, limits::NAME)?;
        if !valid_slug(&self.slug) {
            return Err(ApiError::Unprocessable(format!(
                "slug {:?} must be lowercase letters and digits joined by single hyphens (at most 100)",
                self.slug
            )));
        }
        let fields = parse_fields(self.fields).map_err(ApiError::Unprocessable)?;
        let fields = serde_json::to_value(&fields).expect("fields serialize");
        let id: Option<Uuid> = sqlx::query_scalar(
            "insert into forms (organization_id, name, slug) values ($1, $2, $3)
         on conflict (organization_id, slug) do nothing
         returning id",
        )
        .bind(member.org)
        .bind(&name)
        .bind(&self.slug)
        .fetch_optional(&mut ***tx)
        .await?;
        let id = id.ok_or_else(|| {
            ApiError::Conflict(format!("a form with slug {:?} already exists", self.slug))
        })?;
        sqlx::query(
            "insert into form_fields
                (organization_id, form_id, key, label, field_type, required, options, position)
         select $1, $2, f->>'key', f->>'label', f->>'field_type', (f->>'required')::boolean,
                nullif(f->'options', 'null'::jsonb), (n - 1)::integer
           from jsonb_array_elements($3) with ordinality as e(f, n)",
        )
        .bind(member.org)
        .bind(id)
        .bind(&fields)
        .execute(&mut ***tx)
        .await?;
        let form: Value = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "select {FORM_JSON} from forms f where f.organization_id = $1 and f.id = $2"
        )))
        .bind(member.org)
        .bind(id)
        .fetch_one(&mut ***tx)
        .await?;
        Ok((id, form))
    }

    // What the audit trail calls the form and its creation.
    const SUBJECT: SubjectType = SubjectType::Form;
    const CREATED: &'static str = "form.created";
}

#[cfg(test)]
mod tests {
    use super::valid_slug;

    #[test]
    fn slugs_are_url_friendly() {
        for ok in ["medicare-2025", "a", "open-enrollment-q4"] {
            assert!(valid_slug(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a_b",
            "a b",
            "é",
            &"a".repeat(101),
        ] {
            assert!(!valid_slug(bad), "{bad}");
        }
    }
}
