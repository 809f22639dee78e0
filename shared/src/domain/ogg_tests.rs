//! The Ogg probe on a real voice note (espeak-ng + opusenc, 4.33 s), on doctored copies of
//! it, and on arbitrary bytes (property tests: never a panic).

use proptest::prelude::*;

use super::*;

/// "hola, quiero reservar una cabaña para cuatro personas": mono Opus, 20 ms packets.
const VOICE_NOTE: &[u8] = include_bytes!("../../../tests/fixtures/voice-note-es.ogg");

fn opus_seconds(bytes: &[u8]) -> f64 {
    match probe(bytes) {
        Ok(OggProbe::Opus { duration }) => duration.as_secs_f64(),
        other => panic!("not Opus: {other:?}"),
    }
}

/// Offsets of every page in the fixture.
fn page_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        offsets.push(at);
        at += Page::read(&bytes[at..]).expect("page").len;
    }
    offsets
}

/// A page of stream `serial` holding `packets` (each under 255 bytes).
fn page(flags: u8, granule: u64, serial: u32, packets: &[&[u8]]) -> Vec<u8> {
    let mut page = b"OggS\0".to_vec();
    page.push(flags);
    page.extend(granule.to_le_bytes());
    page.extend(serial.to_le_bytes());
    page.extend([0; 8]); // sequence number and CRC: not checked
    page.push(packets.len() as u8);
    page.extend(packets.iter().map(|p| p.len() as u8));
    for packet in packets {
        page.extend(*packet);
    }
    page
}

/// An `OpusHead` packet with this pre-skip (under 65536 samples).
fn opus_head(pre_skip: u32) -> Vec<u8> {
    let mut head = b"OpusHead\x01\x01".to_vec();
    head.extend(&pre_skip.to_le_bytes()[..2]);
    head.extend([0x80, 0x3e, 0, 0, 0, 0, 0]);
    head
}

#[test]
fn a_real_voice_note_lasts_what_opusinfo_says() {
    let seconds = opus_seconds(VOICE_NOTE);
    assert!((4.30..4.40).contains(&seconds), "{seconds}");
}

#[test]
fn other_formats_are_not_ogg() {
    for bytes in [
        &b"ID3\x04\0\0\0\0\0\0"[..],
        b"\0\0\0\x20ftypM4A ",
        b"#!AMR\n",
        b"",
    ] {
        assert_eq!(probe(bytes), Ok(OggProbe::NotOgg));
    }
}

#[test]
fn a_cut_file_is_malformed() {
    for cut in [4, 30, VOICE_NOTE.len() / 2, VOICE_NOTE.len() - 1] {
        assert!(probe(&VOICE_NOTE[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn a_granule_that_lies_short_does_not_hide_the_audio() {
    let mut doctored = VOICE_NOTE.to_vec();
    for offset in page_offsets(VOICE_NOTE) {
        doctored[offset + 6..offset + 14].copy_from_slice(&0u64.to_le_bytes());
    }
    let seconds = opus_seconds(&doctored);
    assert!((4.30..4.40).contains(&seconds), "{seconds}");
}

#[test]
fn a_granule_that_claims_an_hour_makes_it_an_hour() {
    let mut doctored = VOICE_NOTE.to_vec();
    let last = *page_offsets(VOICE_NOTE).last().expect("pages");
    doctored[last + 6..last + 14].copy_from_slice(&(3600 * OPUS_SAMPLE_RATE).to_le_bytes());
    assert!(opus_seconds(&doctored) > 3599.0);
}

#[test]
fn packets_are_counted_from_their_toc_bytes() {
    // config 1 (SILK 20 ms), one frame; config 31 (CELT 20 ms), code 3 with 3 frames;
    // config 16 (CELT 2.5 ms), two frames; an empty packet plays nothing.
    let audio: [&[u8]; 4] = [&[0x08, 1, 2], &[0xFB, 0x03, 9], &[0x81, 1], &[]];
    let bytes = [
        page(FLAG_BOS, 0, 7, &[&opus_head(312)]),
        page(0, 0, 7, &[b"OpusTags\0\0\0\0\0\0\0\0"]),
        page(FLAG_EOS, 0, 7, &audio),
    ]
    .concat();
    let samples = 960 + 3 * 960 + 2 * 120 - 312;
    assert_eq!(
        probe(&bytes),
        Ok(OggProbe::Opus {
            duration: Duration::from_nanos(samples * 1_000_000_000 / OPUS_SAMPLE_RATE)
        })
    );
}

#[test]
fn a_vorbis_stream_is_another_codec() {
    let bytes = page(FLAG_BOS, 0, 1, &[b"\x01vorbis\0\0\0\0\x01\x44\xac\0\0"]);
    assert_eq!(probe(&bytes), Ok(OggProbe::OtherCodec));
}

#[test]
fn a_second_stream_or_a_missing_start_is_malformed() {
    let head = page(FLAG_BOS, 0, 1, &[&opus_head(0)]);
    let tags = page(FLAG_EOS, 0, 1, &[b"OpusTags"]);
    let second = page(FLAG_BOS, 0, 2, &[&opus_head(0)]);
    let stranger = page(0, 0, 2, &[&[0x08]]);
    assert!(probe(&[head.clone(), tags.clone(), second].concat()).is_err());
    assert!(probe(&[head.clone(), tags.clone(), stranger].concat()).is_err());
    assert!(probe(&tags).is_err());
    assert!(probe(&head).is_err(), "no OpusTags");
    assert_eq!(
        probe(&[head.clone(), tags.clone()].concat()),
        Ok(OggProbe::Opus {
            duration: Duration::ZERO
        })
    );
    let unended = page(0, 0, 1, &[b"OpusTags"]);
    assert!(
        probe(&[head, unended].concat()).is_err(),
        "no end of stream"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = probe(&bytes);
        let _ = probe(&[b"OggS\0".as_slice(), &bytes].concat());
    }

    #[test]
    fn a_voice_note_with_flipped_bytes_never_panics(
        flips in prop::collection::vec((0..VOICE_NOTE.len(), any::<u8>()), 1..16),
    ) {
        let mut doctored = VOICE_NOTE.to_vec();
        for (at, byte) in flips {
            doctored[at] = byte;
        }
        let _ = probe(&doctored);
    }

    #[test]
    fn a_cut_voice_note_never_panics(cut in 0..VOICE_NOTE.len()) {
        // Under four bytes there is no `OggS`: not Ogg at all.
        prop_assert!(cut < 4 || probe(&VOICE_NOTE[..cut]).is_err());
    }
}
