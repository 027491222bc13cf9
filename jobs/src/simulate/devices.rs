//! The mail clients recipients read with: a weighted mix with real-looking user agents, for
//! the image fetch of an open and for the browser a click opens.

use super::addresses::OpenSource;
use super::seed::SimRng;

/// One mail client on one kind of device. Each recipient keeps one for the whole campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Device {
    /// `device` in an open's data: `iphone`, `ipad`, `mac`, `android`, `windows`, `desktop`
    /// (webmail in a desktop browser).
    pub device: &'static str,
    /// `client` in an open's data.
    pub client: &'static str,
    /// Relative share of recipients.
    pub weight: u32,
    /// Whether this is Apple Mail (the only client with Mail Privacy Protection).
    pub apple_mail: bool,
    /// Where its opens (the tracking pixel's fetch) come from.
    pub open_source: OpenSource,
    /// The user agent of that fetch.
    pub open_ua: &'static str,
    /// The user agent of the browser a click opens (form views and submits too).
    pub click_ua: &'static str,
}

impl Device {
    /// Apple Mail on `device`: the only client with Mail Privacy Protection; the opens it does
    /// not prefetch come from the device itself.
    const fn apple_mail(
        device: &'static str,
        weight: u32,
        open_ua: &'static str,
        click_ua: &'static str,
    ) -> Device {
        Device {
            apple_mail: true,
            ..Device::direct(device, "apple_mail", weight, open_ua, click_ua)
        }
    }

    /// Gmail (web or app) on `device`: Google's image proxy fetches the pixel.
    const fn gmail(device: &'static str, weight: u32, click_ua: &'static str) -> Device {
        Device {
            open_source: OpenSource::GoogleProxy,
            ..Device::direct(device, "gmail", weight, GOOGLE_IMAGE_PROXY, click_ua)
        }
    }

    /// Yahoo Mail on `device`: Yahoo's image proxy fetches the pixel.
    const fn yahoo_mail(device: &'static str, weight: u32, click_ua: &'static str) -> Device {
        Device {
            open_source: OpenSource::YahooProxy,
            ..Device::direct(device, "yahoo_mail", weight, YAHOO_PROXY, click_ua)
        }
    }

    /// Any other client: its opens come from the device itself.
    const fn direct(
        device: &'static str,
        client: &'static str,
        weight: u32,
        open_ua: &'static str,
        click_ua: &'static str,
    ) -> Device {
        Device {
            device,
            client,
            weight,
            apple_mail: false,
            open_source: OpenSource::Direct,
            open_ua,
            click_ua,
        }
    }
}

// The user agents of the mix, named after the client or browser and where it runs.
const IPHONE_MAIL: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) \
    AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) \
    AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const IPAD_MAIL: &str = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Mobile/15E148";
const SAFARI_IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const MAC_MAIL: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 \
    (KHTML, like Gecko)";
const SAFARI_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) \
    AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
    (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36";
const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
    (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36";
const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 \
    (KHTML, like Gecko) Chrome/125.0.6422.113 Mobile Safari/537.36";
const OUTLOOK_WINDOWS: &str =
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17628; Pro)";
const EDGE_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
    (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0";
const OUTLOOK_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) \
    AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Outlook-iOS/4.2421.0";
const SAMSUNG_MAIL: &str = "Mozilla/5.0 (Linux; Android 14; SM-S921B \
    Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 \
    Chrome/125.0.6422.113 Mobile Safari/537.36";
const SAMSUNG_BROWSER: &str = "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 \
    (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36";
const GOOGLE_IMAGE_PROXY: &str =
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
const YAHOO_PROXY: &str =
    "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html";

/// The user agent of Apple's Mail Privacy Protection prefetch: a bare `Mozilla/5.0`, which
/// is how ESPs recognize it (with Apple's addresses).
pub const APPLE_PROXY_UA: &str = "Mozilla/5.0";

/// The mix. Weights follow Litmus' email client market share (2023–24) with Apple Mail
/// scaled down to its share of recipients rather than of opens (MPP makes Apple Mail open
/// every message, over-counting it): Apple Mail ≈41 %, Gmail ≈35 %, Outlook ≈16 %, Yahoo
/// ≈4 %, Samsung Email ≈3 %. Gmail (web and apps) and Yahoo fetch images through their
/// proxies, so their opens show the proxy's address and user agent.
pub const DEVICES: [Device; 11] = [
    Device::apple_mail("iphone", 30, IPHONE_MAIL, SAFARI_IPHONE),
    Device::apple_mail("ipad", 3, IPAD_MAIL, SAFARI_IPAD),
    Device::apple_mail("mac", 8, MAC_MAIL, SAFARI_MAC),
    Device::gmail("desktop", 16, CHROME_WINDOWS),
    Device::gmail("android", 15, CHROME_ANDROID),
    Device::gmail("iphone", 4, SAFARI_IPHONE),
    Device::direct("windows", "outlook", 9, OUTLOOK_WINDOWS, EDGE_WINDOWS),
    Device::direct("iphone", "outlook", 3, OUTLOOK_IPHONE, SAFARI_IPHONE),
    Device::direct("desktop", "outlook_com", 4, CHROME_WINDOWS, CHROME_WINDOWS),
    Device::yahoo_mail("desktop", 4, CHROME_MAC),
    Device::direct("android", "samsung_email", 3, SAMSUNG_MAIL, SAMSUNG_BROWSER),
];

/// A recipient's client. Machine-opened recipients (MPP) read with Apple Mail, so theirs is
/// drawn among Apple Mail's devices; the others' among all of them.
pub(crate) fn draw_device(rng: &mut SimRng, apple_mail_only: bool) -> &'static Device {
    let weight = |d: &Device| {
        if apple_mail_only && !d.apple_mail {
            0
        } else {
            d.weight
        }
    };
    rng.weighted(&DEVICES, weight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::seed::RecipientKey;
    use uuid::Uuid;

    #[test]
    fn user_agents_are_single_lines_without_doubled_spaces() {
        for d in DEVICES {
            for ua in [d.open_ua, d.click_ua] {
                assert!(
                    ua.starts_with("Mozilla/5.0")
                        || ua.starts_with("Microsoft Office")
                        || ua.starts_with("YahooMailProxy"),
                    "{ua}"
                );
                assert!(!ua.contains("  ") && !ua.contains('\n'), "{ua}");
            }
        }
    }

    #[test]
    fn apple_mail_only_draws_apple_mail() {
        let mut rng = RecipientKey::derive(1, Uuid::nil(), Uuid::nil()).rng();
        let mut seen_other = false;
        for _ in 0..1_000 {
            assert!(draw_device(&mut rng, true).apple_mail);
            seen_other |= !draw_device(&mut rng, false).apple_mail;
        }
        assert!(seen_other);
    }
}
