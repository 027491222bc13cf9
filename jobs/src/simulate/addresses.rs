//! IP addresses of simulated visits: public-looking ones for recipients, and the blocks
//! mailbox providers' image proxies fetch from.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::seed::SimRng;

/// IPv4 blocks that are not public unicast (RFC 6890 and friends), as (network, prefix).
const V4_NOT_PUBLIC: [(u32, u32); 15] = [
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
    (0x0A00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 carrier-grade NAT
    (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
    (0xA9FE_0000, 16), // 169.254.0.0/16 link-local
    (0xAC10_0000, 12), // 172.16.0.0/12 private
    (0xC000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
    (0xC000_0200, 24), // 192.0.2.0/24 TEST-NET-1
    (0xC058_6300, 24), // 192.88.99.0/24 6to4 relay anycast
    (0xC0A8_0000, 16), // 192.168.0.0/16 private
    (0xC612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xC633_6400, 24), // 198.51.100.0/24 TEST-NET-2
    (0xCB00_7100, 24), // 203.0.113.0/24 TEST-NET-3
    (0xE000_0000, 4),  // 224.0.0.0/4 multicast
    (0xF000_0000, 4),  // 240.0.0.0/4 reserved, broadcast
];

/// `addr` lies in `net/prefix` (a 32- or 128-bit value compared on its top `prefix` bits).
fn in_block<T>(addr: T, net: T, prefix: u32, width: u32) -> bool
where
    T: Copy + Eq + std::ops::Shr<u32, Output = T>,
{
    prefix == 0 || addr >> (width - prefix) == net >> (width - prefix)
}

/// Whether `ip` is a public unicast address: IPv4 outside every block of
/// `V4_NOT_PUBLIC`; IPv6 in global unicast 2000::/3 but not documentation 2001:db8::/32
/// nor the IETF protocol block 2001::/23.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let a = u32::from(v4);
            !V4_NOT_PUBLIC
                .iter()
                .any(|&(net, prefix)| in_block(a, net, prefix, 32))
        }
        IpAddr::V6(v6) => {
            let a = u128::from(v6);
            in_block(a, 0x2000 << 112, 3, 128)
                && !in_block(a, 0x2001_0db8 << 96, 32, 128)
                && !in_block(a, 0x2001 << 112, 23, 128)
        }
    }
}

/// A random public address: IPv6 with probability `ipv6_share`, else IPv4.
pub(crate) fn random_public(rng: &mut SimRng, ipv6_share: f64) -> IpAddr {
    let v6 = rng.chance(ipv6_share);
    loop {
        let ip = if v6 {
            // 2000::/3: three fixed bits, 125 random ones.
            let bits = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
            IpAddr::V6(Ipv6Addr::from((bits >> 3) | (1 << 125)))
        } else {
            IpAddr::V4(Ipv4Addr::from(rng.next_u32()))
        };
        if is_public(ip) {
            return ip;
        }
    }
}

/// Where a mail client's image requests come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenSource {
    /// The recipient's own device and address.
    Direct,
    /// Apple Mail Privacy Protection's relays (Apple's 17.0.0.0/8).
    AppleProxy,
    /// Gmail's image proxy (`GoogleImageProxy`, Google's 66.249.80.0/20 and 66.102.0.0/20).
    GoogleProxy,
    /// Yahoo Mail's image proxy (Yahoo's 98.136.0.0/14 and 74.6.0.0/16).
    YahooProxy,
}

impl OpenSource {
    /// The proxy's blocks as (network, prefix); empty for [`OpenSource::Direct`].
    fn blocks(self) -> &'static [(u32, u32)] {
        match self {
            OpenSource::Direct => &[],
            OpenSource::AppleProxy => &[(0x1100_0000, 8)],
            OpenSource::GoogleProxy => &[(0x42F9_5000, 20), (0x4266_0000, 20)],
            OpenSource::YahooProxy => &[(0x6288_0000, 14), (0x4A06_0000, 16)],
        }
    }

    /// An address of this proxy (host part never .0 nor .255), or `None` for a direct fetch.
    pub(crate) fn proxy_address(self, rng: &mut SimRng) -> Option<IpAddr> {
        let blocks = self.blocks();
        if blocks.is_empty() {
            return None;
        }
        let &(net, prefix) = rng.pick(blocks);
        let host = rng.next_u32() >> prefix;
        let last = (host & 0xFF).clamp(1, 254);
        Some(IpAddr::V4(Ipv4Addr::from(net | (host & !0xFF) | last)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::seed::RecipientKey;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn v4(s: &str) -> IpAddr {
        IpAddr::V4(s.parse().unwrap())
    }

    fn v6(s: &str) -> IpAddr {
        IpAddr::V6(s.parse().unwrap())
    }

    /// Addresses, whether they are public, and how to parse them.
    type Case = (&'static [&'static str], bool, fn(&str) -> IpAddr);

    #[test]
    fn known_addresses() {
        let cases: [Case; 4] = [
            (
                &[
                    "0.1.2.3",
                    "10.0.0.1",
                    "100.64.0.1",
                    "100.127.255.254",
                    "127.0.0.1",
                    "169.254.1.1",
                    "172.16.0.1",
                    "172.31.255.255",
                    "192.0.0.8",
                    "192.0.2.1",
                    "192.88.99.1",
                    "192.168.1.1",
                    "198.18.0.1",
                    "198.19.255.255",
                    "198.51.100.7",
                    "203.0.113.9",
                    "224.0.0.1",
                    "239.255.255.255",
                    "240.0.0.1",
                    "255.255.255.255",
                ],
                false,
                v4,
            ),
            (
                &[
                    "1.1.1.1",
                    "8.8.8.8",
                    "17.58.1.2",
                    "100.63.255.255",
                    "100.128.0.0",
                    "172.15.0.1",
                    "172.32.0.1",
                    "192.0.1.1",
                    "192.0.3.1",
                    "198.17.255.255",
                    "198.20.0.0",
                    "198.51.99.1",
                    "203.0.112.1",
                    "223.255.255.254",
                ],
                true,
                v4,
            ),
            (
                &[
                    "::1",
                    "fe80::1",
                    "fc00::1",
                    "2001:db8::1",
                    "2001::1",
                    "2001:1ff::1",
                    "ff02::1",
                    "4000::1",
                    "::ffff:8.8.8.8",
                ],
                false,
                v6,
            ),
            (
                &[
                    "2001:200::1",
                    "2001:4860:4860::8888",
                    "2a00:1450::1",
                    "3fff:ffff::1",
                    "2002::1",
                ],
                true,
                v6,
            ),
        ];
        for (addresses, public, parse) in cases {
            for s in addresses {
                assert_eq!(is_public(parse(s)), public, "{s}");
            }
        }
    }

    #[test]
    fn proxy_addresses_are_public_and_in_their_blocks() {
        let mut rng = RecipientKey::derive(9, Uuid::nil(), Uuid::nil()).rng();
        for _ in 0..1_000 {
            let IpAddr::V4(apple) = OpenSource::AppleProxy.proxy_address(&mut rng).unwrap() else {
                panic!("v4");
            };
            assert_eq!(apple.octets()[0], 17);
            for source in [
                OpenSource::AppleProxy,
                OpenSource::GoogleProxy,
                OpenSource::YahooProxy,
            ] {
                let ip = source.proxy_address(&mut rng).unwrap();
                assert!(is_public(ip), "{ip}");
            }
        }
        assert_eq!(OpenSource::Direct.proxy_address(&mut rng), None);
    }

    /// The reference: the same blocks written as CIDR strings and compared with masks.
    fn reference_is_public(ip: IpAddr) -> bool {
        let within = |cidr: &str| {
            let (net, len) = cidr.split_once('/').unwrap();
            let len: u32 = len.parse().unwrap();
            match (ip, net.parse::<IpAddr>().unwrap()) {
                (IpAddr::V4(a), IpAddr::V4(n)) => {
                    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                    u32::from(a) & mask == u32::from(n) & mask
                }
                (IpAddr::V6(a), IpAddr::V6(n)) => {
                    let mask = if len == 0 {
                        0
                    } else {
                        u128::MAX << (128 - len)
                    };
                    u128::from(a) & mask == u128::from(n) & mask
                }
                _ => false,
            }
        };
        match ip {
            IpAddr::V4(_) => ![
                "0.0.0.0/8",
                "10.0.0.0/8",
                "100.64.0.0/10",
                "127.0.0.0/8",
                "169.254.0.0/16",
                "172.16.0.0/12",
                "192.0.0.0/24",
                "192.0.2.0/24",
                "192.88.99.0/24",
                "192.168.0.0/16",
                "198.18.0.0/15",
                "198.51.100.0/24",
                "203.0.113.0/24",
                "224.0.0.0/4",
                "240.0.0.0/4",
            ]
            .into_iter()
            .any(within),
            IpAddr::V6(_) => within("2000::/3") && !within("2001:db8::/32") && !within("2001::/23"),
        }
    }

    proptest! {
        #[test]
        fn is_public_agrees_with_the_cidr_list(bits in any::<u32>(), bits6 in any::<u128>(), top in 0u128..16) {
            prop_assert_eq!(is_public(IpAddr::V4(bits.into())), reference_is_public(IpAddr::V4(bits.into())));
            // Half the v6 cases near the interesting prefixes (2000::/3 and 2001::/16).
            let near = (0x2001u128 << 112) | (bits6 >> (16 + top));
            for a in [bits6, near] {
                let ip = IpAddr::V6(a.into());
                prop_assert_eq!(is_public(ip), reference_is_public(ip));
            }
        }

        #[test]
        fn random_addresses_are_public(seed in any::<u64>(), share in 0.0f64..=1.0) {
            let mut rng = RecipientKey::derive(seed, Uuid::nil(), Uuid::nil()).rng();
            for _ in 0..8 {
                prop_assert!(is_public(random_public(&mut rng, share)));
            }
        }
    }
}
