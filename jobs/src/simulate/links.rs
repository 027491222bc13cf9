//! The links a simulated email has and the URL a click on each records. The campaign's own
//! links are unknown to the simulator, so they live on `www.example.com` (reserved for such
//! uses) with the UTM parameters an ESP's link tracking adds.

use uuid::Uuid;

use super::seed::SimRng;

/// A link of the simulated email: its name (`link` in a click's data), path and share of
/// clicks (the call to action takes most, as heat maps usually show).
struct Link {
    name: &'static str,
    path: &'static str,
    weight: u32,
}

const LINKS: [Link; 4] = [
    Link {
        name: "cta",
        path: "/offer",
        weight: 60,
    },
    Link {
        name: "hero_image",
        path: "/",
        weight: 20,
    },
    Link {
        name: "product",
        path: "/products",
        weight: 15,
    },
    Link {
        name: "footer",
        path: "/about",
        weight: 5,
    },
];

/// The link name of a click that leads to the campaign's form.
const FORM_LINK: &str = "form_cta";

/// A clicked link: (`link`, `url`). Given a form, the click is on its call to action (a
/// form campaign's first click: every clicker views the form); else a link of the mix.
pub(crate) fn click_target(
    rng: &mut SimRng,
    campaign_id: Uuid,
    form_id: Option<Uuid>,
) -> (&'static str, String) {
    match form_id {
        Some(form_id) => (
            FORM_LINK,
            tracked_url(format_args!("/forms/{form_id}"), campaign_id, FORM_LINK),
        ),
        None => {
            let link = rng.weighted(&LINKS, |l| l.weight);
            (link.name, tracked_url(link.path, campaign_id, link.name))
        }
    }
}

/// `https://www.example.com{path}` with the UTM parameters of link tracking.
fn tracked_url(path: impl std::fmt::Display, campaign_id: Uuid, name: &str) -> String {
    format!(
        "https://www.example.com{path}?utm_source=reachly&utm_medium=email\
         &utm_campaign={campaign_id}&utm_content={name}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::seed::RecipientKey;

    #[test]
    fn form_clicks_lead_to_the_form() {
        let mut rng = RecipientKey::derive(1, Uuid::nil(), Uuid::nil()).rng();
        let (c, f) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (name, url) = click_target(&mut rng, c, Some(f));
        assert_eq!(name, "form_cta");
        assert_eq!(
            url,
            format!(
                "https://www.example.com/forms/{f}?utm_source=reachly&utm_medium=email\
                 &utm_campaign={c}&utm_content=form_cta"
            )
        );
        let (name, url) = click_target(&mut rng, c, None);
        assert!(LINKS.iter().any(|l| l.name == name));
        assert!(url.starts_with("https://www.example.com/"));
    }
}
