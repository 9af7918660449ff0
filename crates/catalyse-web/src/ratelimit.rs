//! Rate limits, kept in the database so that every instance counts the same events, and the
//! client's address they are keyed on.
//!
//! Sign-in counts failures, not attempts, and keys them on the account *and* the client's
//! address: failures from elsewhere never refuse the right password from an address that
//! has not failed, so nobody can lock someone else out. Each address also has a budget of
//! failures across accounts. Password-reset requests, joining, visitors' event
//! registrations and visitors' needs take from a budget per address (and per email
//! address); a spent budget answers 429 with `Retry-After`.
//!
//! The client's address is the socket's peer, unless that peer is one of the
//! `trusted_proxies`: then it is the right-most address of `X-Forwarded-For` that is not
//! itself a trusted proxy.

use crate::error::AppError;

use axum::http::HeaderMap;
use catalyse_store::{RateBudget, Store, StoreResult};
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};

/// The limits the platform applies, from the configuration.
pub struct Limits {
    login_per_minute_per_ip: u32,
    login_per_quarter_per_account: u32,
    reset_per_hour: u32,
    register_per_hour_per_ip: u32,
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: TrustedProxies,
}

/// A budget's key: a readable kind and a hash of what it counts (no address in clear).
fn key(kind: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    format!("{kind}:{}", &hex::encode(h.finalize())[..32])
}

fn budget(kind: &str, parts: &[&str], limit: u32, seconds: i64) -> RateBudget {
    RateBudget {
        key: key(kind, parts),
        limit: limit.max(1),
        window: Duration::seconds(seconds),
    }
}

/// The address a budget counts: an IPv4 address, or an IPv6 address's /64 network (one
/// subscriber usually holds a whole /64, and could otherwise take a new address per try).
fn counted(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let net = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", std::net::Ipv6Addr::from(net))
        }
    }
}

/// Messages and answers a member may post in the cohorts' spaces in an hour.
pub const COHORT_POSTS_PER_HOUR: u32 = 30;

/// How long a sign-in waits before its password is checked while its account has failed too
/// often from everywhere together: a delay, not a refusal.
pub const LOGIN_SLOWDOWN: std::time::Duration = std::time::Duration::from_secs(2);

/// Whole seconds to wait, at least one.
fn seconds(wait: Duration) -> u64 {
    let ms = wait.num_milliseconds().max(1) as u64;
    ms.div_ceil(1000)
}

impl Limits {
    /// Reads the limits; fails with a clear message when `trusted_proxies` is not a list of
    /// addresses and ranges.
    pub fn from_config(c: &crate::config::Config) -> anyhow::Result<Limits> {
        Ok(Limits {
            login_per_minute_per_ip: c.login_per_minute_per_ip,
            login_per_quarter_per_account: c.login_per_quarter_per_account,
            reset_per_hour: c.reset_per_hour,
            register_per_hour_per_ip: c.register_per_hour_per_ip,
            proxies: TrustedProxies::parse(&c.trusted_proxies).map_err(anyhow::Error::msg)?,
        })
    }

    /// The two failure budgets of a sign-in: this account from this address, and this
    /// address on any account.
    fn login_budgets(&self, ip: IpAddr, email: &str) -> [RateBudget; 2] {
        let ip = counted(ip);
        [
            budget(
                "login-account",
                &[email, &ip],
                self.login_per_quarter_per_account,
                900,
            ),
            budget("login-ip", &[&ip], self.login_per_minute_per_ip, 60),
        ]
    }

    /// Before checking a password: takes one try from both budgets, or `Err(seconds)` when
    /// this address has failed too often, on this account or on any. Taken before the
    /// password is checked, so that many tries at once cannot slip past the count; given
    /// back by [`Limits::login_succeeded`], so that only failures remain counted. Failures
    /// from other addresses do not count.
    pub async fn login_attempt(
        &self,
        store: &dyn Store,
        ip: IpAddr,
        email: &str,
    ) -> StoreResult<Result<(), u64>> {
        let wait = store
            .rate_limit_take(&self.login_budgets(ip, email), Utc::now())
            .await?;
        Ok(wait.map_or(Ok(()), |w| Err(seconds(w))))
    }

    /// The right password: the try is given back to the address's budget, and this
    /// account's failures from this address are forgotten.
    pub async fn login_succeeded(
        &self,
        store: &dyn Store,
        ip: IpAddr,
        email: &str,
    ) -> StoreResult<()> {
        let [account, from_ip] = self.login_budgets(ip, email);
        store
            .rate_limit_refund(std::slice::from_ref(&from_ip))
            .await?;
        store.rate_limit_clear(&account.key).await
    }

    /// Failures on one account from every address together: four times the per-address
    /// budget per 15 minutes. Past it, sign-ins on that account are slowed down (see
    /// [`LOGIN_SLOWDOWN`]), never refused, so that many addresses together cannot try many
    /// passwords fast, nor lock the account's owner out.
    fn account_budget(&self, email: &str) -> RateBudget {
        budget(
            "login-account-any",
            &[email],
            self.login_per_quarter_per_account.saturating_mul(4),
            900,
        )
    }

    /// Whether sign-ins on this account are to be slowed down now.
    pub async fn login_slowed(&self, store: &dyn Store, email: &str) -> StoreResult<bool> {
        let b = self.account_budget(email);
        Ok(store.rate_limit_check(&[b], Utc::now()).await?.is_some())
    }

    /// A wrong password: counted on the account from every address together.
    pub async fn login_failed(&self, store: &dyn Store, email: &str) -> StoreResult<()> {
        let b = self.account_budget(email);
        // A spent budget takes nothing more: the slow-down already applies.
        store.rate_limit_take(&[b], Utc::now()).await?;
        Ok(())
    }

    async fn take(store: &dyn Store, budgets: &[RateBudget]) -> Result<(), AppError> {
        match store.rate_limit_take(budgets, Utc::now()).await? {
            None => Ok(()),
            Some(wait) => Err(AppError::TooManyRequests {
                retry_after: seconds(wait),
            }),
        }
    }

    /// A password-reset request from this address (`Err(seconds)` when its budget is spent).
    pub async fn reset_from(&self, store: &dyn Store, ip: IpAddr) -> StoreResult<Result<(), u64>> {
        let b = budget("reset-ip", &[&counted(ip)], self.reset_per_hour, 3600);
        let wait = store.rate_limit_take(&[b], Utc::now()).await?;
        Ok(wait.map_or(Ok(()), |w| Err(seconds(w))))
    }

    /// Whether one more mail may go to this address, for password reset or joining, asked
    /// from `ip`: at most `reset_per_hour` an hour per email address *and* asking address,
    /// so that requests from elsewhere never spend the person's own budget, and four times
    /// that per email address whoever asks, against filling a mailbox. When not, the answer
    /// stays the same and no mail is sent; the mails already sent hold working links.
    pub async fn mail_to(&self, store: &dyn Store, email: &str, ip: IpAddr) -> StoreResult<bool> {
        let budgets = [
            budget("mail-to", &[email, &counted(ip)], self.reset_per_hour, 3600),
            budget("mail-to-any", &[email], self.flood_cap(), 3600),
        ];
        Ok(store.rate_limit_take(&budgets, Utc::now()).await?.is_none())
    }

    /// How many mails (or visitor registrations) one email address may be the object of in an
    /// hour, whoever asks: well above what one person asks for herself.
    fn flood_cap(&self) -> u32 {
        self.reset_per_hour.saturating_mul(4)
    }

    /// Joining the network from this address.
    pub async fn join_from(&self, store: &dyn Store, ip: IpAddr) -> Result<(), AppError> {
        let b = budget(
            "join-ip",
            &[&counted(ip)],
            self.register_per_hour_per_ip,
            3600,
        );
        Self::take(store, &[b]).await
    }

    /// An autodiagnostic shared with the observatory's statistics, from this address: as
    /// many an hour as accounts may be created from it.
    pub async fn diagnostic_share(&self, store: &dyn Store, ip: IpAddr) -> Result<(), AppError> {
        let b = budget(
            "diagnostic-share-ip",
            &[&counted(ip)],
            self.register_per_hour_per_ip,
            3600,
        );
        Self::take(store, &[b]).await
    }

    /// A visitor's registration to an event: per address, and per email address.
    pub async fn register(
        &self,
        store: &dyn Store,
        ip: IpAddr,
        email: &str,
    ) -> Result<(), AppError> {
        Self::take(store, &self.visitor_budgets("register", ip, email)).await
    }

    /// A visitor's need (`/besoins/nouveau`), whose confirmation link is mailed: per address,
    /// and per email address, as a registration.
    pub async fn visitor_need(
        &self,
        store: &dyn Store,
        ip: IpAddr,
        email: &str,
    ) -> Result<(), AppError> {
        Self::take(store, &self.visitor_budgets("need", ip, email)).await
    }

    /// What a visitor's form that mails her address takes from: `register_per_hour_per_ip`
    /// per address; per email address and asking address, so that nobody spends another's
    /// budget; and a wider cap per email address alone.
    fn visitor_budgets(&self, kind: &str, ip: IpAddr, email: &str) -> [RateBudget; 3] {
        let ip = counted(ip);
        [
            budget(
                &format!("{kind}-ip"),
                &[&ip],
                self.register_per_hour_per_ip,
                3600,
            ),
            budget(
                &format!("{kind}-email"),
                &[email, &ip],
                self.reset_per_hour,
                3600,
            ),
            budget(
                &format!("{kind}-email-any"),
                &[email],
                self.flood_cap(),
                3600,
            ),
        ]
    }

    /// Whether `what` (of `kind`) is done for the first time in `hours`: a budget of one, for
    /// what must happen once however often, or from however many instances, it is asked (the
    /// moderators told of a visitor's need when she confirms it, double clicks included).
    pub async fn first_time(
        &self,
        store: &dyn Store,
        (kind, what): (&str, &str),
        hours: i64,
    ) -> StoreResult<bool> {
        let b = budget(kind, &[what], 1, hours * 3600);
        Ok(store.rate_limit_take(&[b], Utc::now()).await?.is_none())
    }

    /// An animator's enrolments by email address (each tells whether an address has an
    /// account): 200 an hour per animator, far above enrolling a whole cohort.
    pub async fn cohort_enrol(&self, store: &dyn Store, user_id: i64) -> Result<(), AppError> {
        let b = budget("cohort-enrol", &[&user_id.to_string()], 200, 3600);
        Self::take(store, &[b]).await
    }

    /// A member's reports (of profiles and places).
    pub async fn report(&self, store: &dyn Store, user_id: i64) -> Result<(), AppError> {
        let b = budget("report", &[&user_id.to_string()], self.reset_per_hour, 3600);
        Self::take(store, &[b]).await
    }

    /// A member's messages and answers in a cohort's space: [`COHORT_POSTS_PER_HOUR`] an
    /// hour, every cohort together.
    pub async fn cohort_post(&self, store: &dyn Store, user_id: i64) -> Result<(), AppError> {
        let b = budget(
            "cohort-post",
            &[&user_id.to_string()],
            COHORT_POSTS_PER_HOUR,
            3600,
        );
        Self::take(store, &[b]).await
    }

    /// A badge checked on `/verifier` from this address: three times
    /// `register_per_hour_per_ip` an hour (someone checking a handful of CVs is far below).
    pub async fn verifier(&self, store: &dyn Store, ip: IpAddr) -> Result<(), AppError> {
        let b = budget(
            "verifier-ip",
            &[&counted(ip)],
            self.register_per_hour_per_ip.saturating_mul(3),
            3600,
        );
        Self::take(store, &[b]).await
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed: addresses and CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `10.0.0.1, 192.168.0.0/16 ::1 fd00::/8` (commas or spaces between).
    pub fn parse(setting: &str) -> Result<TrustedProxies, String> {
        let mut out = vec![];
        for item in setting
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            let bad = || {
                format!(
                    "trusted_proxies: « {item} » is not an IP address or a CIDR range \
                     (e.g. 127.0.0.1, ::1, 10.0.0.0/8)"
                )
            };
            let (addr, bits) = match item.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (item, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| bad())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(bad)?,
                None => max,
            };
            // An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as a dual-stack socket shows
            // an IPv4 peer) is kept as IPv4, and so is its prefix: the 96 mapping bits go.
            let canonical = addr.to_canonical();
            let bits = if addr.is_ipv6() && canonical.is_ipv4() {
                bits.checked_sub(96).ok_or_else(bad)?
            } else {
                bits
            };
            out.push((canonical, bits));
        }
        Ok(TrustedProxies(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        // `parse` keeps every prefix within its family's length; saturating all the same, so
        // that no value can widen a range to everything.
        self.0.iter().any(|&(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let host_bits = 32u32.saturating_sub(u32::from(bits.min(32)));
                let mask = u32::MAX.checked_shl(host_bits).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let host_bits = 128u32.saturating_sub(u32::from(bits.min(128)));
                let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }

    /// The client's address: the peer, or, when the peer is a trusted proxy, the right-most
    /// address of `X-Forwarded-For` that is not a trusted proxy (entries to its left were
    /// written by the client and prove nothing). An entry that is not an address stops the
    /// walk at the last trusted hop.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.contains(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.into_iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip.to_canonical();
            if !self.contains(client) {
                return client;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for x in v {
            h.append("x-forwarded-for", x.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn trusted_proxies_parse_and_refuse_nonsense() {
        let p = TrustedProxies::parse("127.0.0.1, ::1 10.0.0.0/8,fd00::/8").unwrap();
        assert!(p.contains(ip("127.0.0.1")));
        assert!(p.contains(ip("::ffff:127.0.0.1")), "IPv4 seen through IPv6");
        assert!(p.contains(ip("10.20.30.40")));
        assert!(!p.contains(ip("11.0.0.1")));
        assert!(p.contains(ip("fd12::1")));
        assert!(!p.contains(ip("fe80::1")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("8.8.8.8")));
        // A proxy written as an IPv4-mapped IPv6 address trusts that one address, or its
        // range, never every IPv4 address.
        let mapped = TrustedProxies::parse("::ffff:127.0.0.1").unwrap();
        assert!(mapped.contains(ip("127.0.0.1")));
        assert!(!mapped.contains(ip("203.0.113.9")));
        let mapped = TrustedProxies::parse("::ffff:10.0.0.0/104").unwrap();
        assert!(mapped.contains(ip("10.1.2.3")));
        assert!(!mapped.contains(ip("11.1.2.3")));
        for bad in [
            "localhost",
            "10.0.0.0/33",
            "::/129",
            "1.2.3",
            "10.0.0.0/x",
            "::ffff:10.0.0.0/95",
        ] {
            let e = TrustedProxies::parse(bad).unwrap_err();
            assert!(e.contains(bad.split('/').next().unwrap()), "{e}");
        }
    }

    #[test]
    fn client_address_behind_proxies() {
        let none = TrustedProxies::default();
        let h = xff(&["203.0.113.9"]);
        assert_eq!(
            none.client(ip("127.0.0.1"), &h),
            ip("127.0.0.1"),
            "no trusted proxy: the header is ignored"
        );
        let p = TrustedProxies::parse("127.0.0.1 10.0.0.0/8").unwrap();
        assert_eq!(
            p.client(ip("192.0.2.1"), &h),
            ip("192.0.2.1"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.9"));
        // The client may send its own header: only the right-most untrusted entry counts.
        let h = xff(&["6.6.6.6, 203.0.113.9", "10.1.1.1"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.9"));
        let h = xff(&["[2001:db8::1]:4711"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("2001:db8::1"));
        // Nonsense, or no header: the last trusted hop.
        let h = xff(&["1.1.1.1, nonsense, 10.0.0.2"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("10.0.0.2"));
        assert_eq!(
            p.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn ipv6_counts_by_network() {
        assert_eq!(counted(ip("192.0.2.1")), "192.0.2.1");
        assert_eq!(counted(ip("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(counted(ip("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
        assert_eq!(
            counted(ip("2001:db8:1:2::ffff")),
            counted(ip("2001:db8:1:2:aaaa::1"))
        );
        assert_ne!(
            counted(ip("2001:db8:1:2::1")),
            counted(ip("2001:db8:1:3::1"))
        );
    }

    #[test]
    fn keys_hide_what_they_count() {
        let k = key("login-account", &["camille@exemple.fr", "192.0.2.1"]);
        assert!(k.starts_with("login-account:") && !k.contains("camille"));
        assert_ne!(
            k,
            key("login-account", &["camille@exemple.fr", "192.0.2.2"])
        );
        assert_ne!(
            key("x", &["ab", "c"]),
            key("x", &["a", "bc"]),
            "parts are kept apart"
        );
    }
}
