//! Property tests for envelopes and the verifier (white paper §8.2).

use std::num::NonZeroU32;

use aos_protocol::envelope::{Envelope, domains};
use aos_protocol::{AgentKey, ReplayError, Verifier, VerifierConfig, VerifyError};
use proptest::prelude::*;

const NOW: u64 = 1_738_800_000_000;

fn key(seed: u8) -> AgentKey {
    AgentKey::from_secret_bytes(&[seed; 32])
}

prop_compose! {
    fn arb_envelope()(
        seed in 0u8..8,
        domain in "[a-z0-9/._-]{1,64}",
        chain_id in any::<u64>(),
        nonce in any::<u64>(),
        ts in any::<u64>(),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
    ) -> Envelope {
        Envelope::sign(&key(seed), &domain, chain_id, nonce, ts, payload).unwrap()
    }
}

proptest! {
    #[test]
    fn round_trip(e in arb_envelope()) {
        let w = e.encode();
        prop_assert_eq!(w.len(), e.encoded_len());
        let d = Envelope::decode(&w).unwrap();
        prop_assert_eq!(&d, &e);
        prop_assert!(d.verify_signature().is_ok());
        prop_assert_eq!(d.encode(), w);
    }

    /// Any single bit flip in the wire form is rejected: either the bytes no longer decode,
    /// or they decode to an envelope whose signature fails.
    #[test]
    fn any_bit_flip_rejected(e in arb_envelope(), bit in any::<prop::sample::Index>()) {
        let mut w = e.encode();
        let i = bit.index(w.len() * 8);
        w[i / 8] ^= 1 << (i % 8);
        if let Ok(d) = Envelope::decode(&w) {
            prop_assert!(d.verify_signature().is_err(), "flip of bit {} accepted", i);
        }
    }

    #[test]
    fn replayed_nonce_rejected(seed in 0u8..8, nonce in any::<u64>(), skew in 0u64..30_000) {
        let mut v = Verifier::new(VerifierConfig::new(1));
        let e = Envelope::sign(&key(seed), domains::RESULT, 1, nonce, NOW - skew, vec![1]).unwrap();
        prop_assert_eq!(v.verify(&e, NOW), Ok(()));
        prop_assert_eq!(
            v.verify(&e, NOW + 1),
            Err(VerifyError::Replay(ReplayError::Replayed(nonce)))
        );
    }

    #[test]
    fn timestamp_outside_window_rejected(
        seed in 0u8..8,
        past in 300_001u64..10_000_000_000,
        future in 30_001u64..10_000_000_000,
        inside in 0u64..30_000,
    ) {
        let mut v = Verifier::new(VerifierConfig::new(1));
        let old = Envelope::sign(&key(seed), "d", 1, 1, NOW - past, vec![]).unwrap();
        prop_assert!(matches!(v.verify(&old, NOW), Err(VerifyError::Stale { .. })), "stale accepted");
        let fut = Envelope::sign(&key(seed), "d", 1, 2, NOW + future, vec![]).unwrap();
        prop_assert!(matches!(v.verify(&fut, NOW), Err(VerifyError::Future { .. })), "future accepted");
        let ok = Envelope::sign(&key(seed), "d", 1, 3, NOW + inside, vec![]).unwrap();
        prop_assert_eq!(v.verify(&ok, NOW), Ok(()));
        let ok = Envelope::sign(&key(seed), "d", 1, 4, NOW - 10 * inside, vec![]).unwrap();
        prop_assert_eq!(v.verify(&ok, NOW), Ok(()));
    }

}

proptest! {
    // each case signs and verifies up to 22 envelopes (slow in debug builds): fewer cases
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn rate_limit_kicks_in(burst in 1u32..20) {
        let cfg = VerifierConfig::new(1)
            .with_rate(NonZeroU32::new(1).unwrap(), NonZeroU32::new(burst).unwrap());
        let mut v = Verifier::new(cfg);
        let k = key(1);
        for n in 0..u64::from(burst) {
            let e = Envelope::sign(&k, "d", 1, n, NOW, vec![]).unwrap();
            prop_assert_eq!(v.verify(&e, NOW), Ok(()));
        }
        let e = Envelope::sign(&k, "d", 1, 1000, NOW, vec![]).unwrap();
        let err = v.verify(&e, NOW).unwrap_err();
        prop_assert!(matches!(err, VerifyError::RateLimited { .. }), "got {:?}", err);
        prop_assert!(err.is_retryable());
        // another identity is unaffected
        let other = Envelope::sign(&key(2), "d", 1, 0, NOW, vec![]).unwrap();
        prop_assert_eq!(v.verify(&other, NOW), Ok(()));
        // the refused nonce was not recorded, and one second later one more cell is free
        prop_assert_eq!(v.verify(&e, NOW + 1000), Ok(()));
    }
}

#[test]
fn forged_envelope_does_not_spend_victims_budget() {
    let cfg = VerifierConfig::new(1).with_rate(NonZeroU32::MIN, NonZeroU32::MIN);
    let mut v = Verifier::new(cfg);
    let victim = key(1);
    let mut forged = Envelope::sign(&key(2), "d", 1, 0, NOW, vec![]).unwrap();
    forged.sender = victim.agent_id();
    assert!(matches!(
        v.verify(&forged, NOW),
        Err(VerifyError::Envelope(_))
    ));
    let real = Envelope::sign(&victim, "d", 1, 0, NOW, vec![]).unwrap();
    assert_eq!(v.verify(&real, NOW), Ok(()));
}

#[test]
fn wrong_chain_and_domain_rejected() {
    let mut v = Verifier::new(VerifierConfig::new(1).with_domains([domains::RESULT]));
    let e = Envelope::sign(&key(1), domains::RESULT, 2, 0, NOW, vec![]).unwrap();
    assert!(matches!(
        v.verify(&e, NOW),
        Err(VerifyError::WrongChain { .. })
    ));
    let e = Envelope::sign(&key(1), domains::PLAN, 1, 0, NOW, vec![]).unwrap();
    assert!(matches!(
        v.verify(&e, NOW),
        Err(VerifyError::UnexpectedDomain(_))
    ));
}

#[test]
fn memory_is_bounded_by_max_senders() {
    let mut v = Verifier::new(VerifierConfig::new(1).with_max_senders(16));
    for s in 0..64u8 {
        let e = Envelope::sign(&key(s), "d", 1, 0, NOW + u64::from(s), vec![]).unwrap();
        assert_eq!(v.verify(&e, NOW + u64::from(s)), Ok(()));
        assert!(v.tracked_senders() <= 16);
        assert!(v.rate_limited_senders() <= 16);
    }
    // sender 0 was evicted; its old message still cannot be replayed
    let e = Envelope::sign(&key(0), "d", 1, 0, NOW, vec![]).unwrap();
    assert!(matches!(
        v.verify(&e, NOW + 64),
        Err(VerifyError::Replay(
            ReplayError::BelowEvictionWatermark { .. }
        ))
    ));
}

#[test]
fn batch_verify_matches_single() {
    let mut envs: Vec<Envelope> = (0..64)
        .map(|n| Envelope::sign(&key((n % 8) as u8), "d", 1, n, NOW, vec![n as u8; 32]).unwrap())
        .collect();
    envs[17].payload[0] ^= 1;
    envs[40].signature.0[3] ^= 1;
    let cfg = VerifierConfig::new(1)
        .with_rate(NonZeroU32::new(100).unwrap(), NonZeroU32::new(100).unwrap());
    let mut v = Verifier::new(cfg);
    let r = v.verify_batch(&envs, NOW);
    for (i, res) in r.iter().enumerate() {
        assert_eq!(res.is_err(), i == 17 || i == 40, "envelope {i}: {res:?}");
    }
    // all good ones were recorded: a second pass is all replays or signature failures
    assert!(v.verify_batch(&envs, NOW).iter().all(Result::is_err));
}
