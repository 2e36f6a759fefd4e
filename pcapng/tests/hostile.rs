//! Hostile input: mutated and arbitrary bytes read as a capture or an error, never a panic.

mod common;

use common::*;
use pcapng::{Capture, parse_capture};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Flipped bytes, overwritten words (lengths among them) and cuts of a valid capture read as a
    /// capture or an error, never a panic; whatever frames come out have bytes from the file.
    #[test]
    fn mutated_captures_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        words in prop::collection::vec((any::<prop::sample::Index>(), any::<u32>()), 0..4),
        cut in any::<prop::sample::Index>(),
        keep_all in any::<bool>(),
    ) {
        let mut bytes = sample();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= b;
        }
        for (at, w) in words {
            let i = at.index(bytes.len() / 4) * 4;
            bytes[i..i + 4].copy_from_slice(&w.to_le_bytes());
        }
        if !keep_all {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        if let Ok(Capture { frames, .. }) = parse_capture(&bytes) {
            let total: usize = frames.iter().map(|f| f.bytes.len()).sum();
            prop_assert!(total <= bytes.len());
        }
    }

    /// Arbitrary bytes behind a valid section header: an error or a capture, never a panic.
    #[test]
    fn arbitrary_blocks_never_panic(tail in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = encoded(&[]);
        bytes.extend(tail);
        let _ = parse_capture(&bytes);
    }
}
