//! Just enough of the Ogg container (RFC 3533) and of Opus packets (RFC 6716 §3.1, RFC 7845)
//! to know how long a voice note lasts before it is uploaded for transcription.
//!
//! The input comes from strangers, so [`probe`] never panics, never allocates in proportion
//! to the input and reads each byte at most once. Its duration does not trust the file's own
//! claim alone: it is the longer of the last granule position (what the muxer says) and the
//! sum of every audio packet's length read from its TOC byte (what a decoder will actually
//! play), less the pre-skip. A file that lies about its length cannot slip under the limit.
//!
//! Only what WhatsApp sends is accepted as Ogg/Opus: one logical stream whose first packet is
//! `OpusHead`. Anything that starts with `OggS` but breaks the page structure (cut pages, a
//! second stream, no end-of-stream page) is [`MalformedOgg`]; a single Ogg stream of another
//! codec (Vorbis, Speex) is [`OggProbe::OtherCodec`], and anything else [`OggProbe::NotOgg`].

use std::time::Duration;

/// Opus always counts granule positions at 48 kHz, whatever the input rate.
pub const OPUS_SAMPLE_RATE: u64 = 48_000;

/// The capture pattern every Ogg page starts with.
const CAPTURE: &[u8; 4] = b"OggS";
/// Fixed part of a page header, up to and including the segment count.
const HEADER_LEN: usize = 27;
/// Header flag: this page continues a packet begun on the page before.
const FLAG_CONTINUED: u8 = 0x01;
/// Header flag: this page begins a logical stream.
const FLAG_BOS: u8 = 0x02;
/// Header flag: this page ends a logical stream.
const FLAG_EOS: u8 = 0x04;

/// What the bytes turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OggProbe {
    /// Not an Ogg file (MP3, M4A, AMR …): its duration is unknown here.
    NotOgg,
    /// A well-formed Ogg stream of a codec other than Opus: duration unknown here.
    OtherCodec,
    /// An Ogg/Opus stream of this length.
    Opus {
        /// Playing time, pre-skip removed.
        duration: Duration,
    },
}

/// An Ogg file whose structure is broken or unlike a voice note's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed Ogg file: {0}")]
pub struct MalformedOgg(pub &'static str);

/// Reads the container and, for Opus, the length of the audio.
pub fn probe(bytes: &[u8]) -> Result<OggProbe, MalformedOgg> {
    if !bytes.starts_with(CAPTURE) {
        return Ok(OggProbe::NotOgg);
    }
    let mut stream = Stream::default();
    let mut rest = bytes;
    let mut first = true;
    while !rest.is_empty() {
        let page = Page::read(rest)?;
        rest = &rest[page.len..];
        if first != (page.flags & FLAG_BOS != 0) {
            return Err(MalformedOgg("not exactly one logical stream"));
        }
        if first {
            stream.serial = page.serial;
            first = false;
        } else if page.serial != stream.serial {
            return Err(MalformedOgg("more than one logical stream"));
        } else if stream.ended {
            return Err(MalformedOgg("a page after the end of the stream"));
        }
        stream.read_page(&page)?;
        if stream.codec == Codec::Other {
            return Ok(OggProbe::OtherCodec);
        }
    }
    stream.finish()
}

/// One page, borrowed from the input.
struct Page<'a> {
    flags: u8,
    granule: u64,
    serial: u32,
    lacing: &'a [u8],
    body: &'a [u8],
    /// Bytes of the whole page (header, lacing values and body).
    len: usize,
}

impl<'a> Page<'a> {
    fn read(bytes: &'a [u8]) -> Result<Self, MalformedOgg> {
        let header = bytes
            .get(..HEADER_LEN)
            .ok_or(MalformedOgg("cut page header"))?;
        if &header[..4] != CAPTURE {
            return Err(MalformedOgg("missing capture pattern"));
        }
        if header[4] != 0 {
            return Err(MalformedOgg("unknown Ogg version"));
        }
        let le = |range: std::ops::Range<usize>| {
            header[range]
                .iter()
                .rev()
                .fold(0u64, |n, b| (n << 8) | u64::from(*b))
        };
        let segments = usize::from(header[26]);
        let lacing = bytes
            .get(HEADER_LEN..HEADER_LEN + segments)
            .ok_or(MalformedOgg("cut segment table"))?;
        let body_len: usize = lacing.iter().map(|l| usize::from(*l)).sum();
        let start = HEADER_LEN + segments;
        let body = bytes
            .get(start..start + body_len)
            .ok_or(MalformedOgg("cut page body"))?;
        Ok(Self {
            flags: header[5],
            granule: le(6..14),
            serial: le(14..18) as u32,
            lacing,
            body,
            len: start + body_len,
        })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Codec {
    #[default]
    Unknown,
    Opus,
    Other,
}

/// What has been read of the one logical stream so far.
#[derive(Default)]
struct Stream {
    serial: u32,
    codec: Codec,
    /// Packets begun so far (0 = `OpusHead`, 1 = `OpusTags`, then audio).
    packets: u64,
    /// Whether the next segment starts a packet (not a continuation).
    at_packet_start: bool,
    pre_skip: u64,
    /// Samples (48 kHz) of the audio packets, from their TOC bytes.
    samples: u64,
    /// The largest granule position of a page where a packet ends.
    granule: u64,
    /// Whether the end-of-stream page was read.
    ended: bool,
}

impl Stream {
    fn read_page(&mut self, page: &Page<'_>) -> Result<(), MalformedOgg> {
        let continued = page.flags & FLAG_CONTINUED != 0;
        self.ended = page.flags & FLAG_EOS != 0;
        if self.packets == 0 {
            self.at_packet_start = true;
        }
        if continued == self.at_packet_start {
            return Err(MalformedOgg("packet continuation does not match"));
        }
        let mut offset = 0;
        for &lace in page.lacing {
            let segment = &page.body[offset..offset + usize::from(lace)];
            offset += usize::from(lace);
            if self.at_packet_start {
                self.begin_packet(segment)?;
                if self.codec == Codec::Other {
                    return Ok(());
                }
            }
            self.at_packet_start = lace < 255;
        }
        // −1 (all ones) means no packet ends on this page.
        if page.granule != u64::MAX {
            self.granule = self.granule.max(page.granule);
        }
        Ok(())
    }

    /// The first segment of a new packet.
    fn begin_packet(&mut self, segment: &[u8]) -> Result<(), MalformedOgg> {
        match self.packets {
            0 => {
                if segment.len() >= 19 && segment.starts_with(b"OpusHead") {
                    self.codec = Codec::Opus;
                    // Little-endian 16 bits at offset 10 (RFC 7845 §5.1).
                    self.pre_skip = u64::from(segment[10]) | u64::from(segment[11]) << 8;
                } else {
                    self.codec = Codec::Other;
                }
            }
            1 => {
                if !segment.starts_with(b"OpusTags") {
                    return Err(MalformedOgg("second packet is not OpusTags"));
                }
            }
            _ => self.samples = self.samples.saturating_add(packet_samples(segment)),
        }
        self.packets += 1;
        Ok(())
    }

    fn finish(self) -> Result<OggProbe, MalformedOgg> {
        if self.codec != Codec::Opus || self.packets < 2 {
            return Err(MalformedOgg("no Opus headers"));
        }
        if !self.ended {
            return Err(MalformedOgg("cut before the end of the stream"));
        }
        let samples = self.samples.max(self.granule).saturating_sub(self.pre_skip);
        let nanos = u128::from(samples) * 1_000_000_000 / u128::from(OPUS_SAMPLE_RATE);
        Ok(OggProbe::Opus {
            duration: Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX)),
        })
    }
}

/// Samples (48 kHz) an Opus packet decodes to, from its TOC byte (and frame count byte);
/// 0 for an empty packet (a dropped frame) or a count byte that is missing.
fn packet_samples(packet: &[u8]) -> u64 {
    let Some(&toc) = packet.first() else {
        return 0;
    };
    let config = toc >> 3;
    // Frame sizes in samples at 48 kHz: 2.5 ms = 120.
    let frame = match config {
        0..=11 => [480, 960, 1920, 2880][usize::from(config % 4)],
        12..=15 => [480, 960][usize::from(config % 2)],
        _ => [120, 240, 480, 960][usize::from(config % 4)],
    };
    let frames = match toc & 0x03 {
        0 => 1,
        1 | 2 => 2,
        _ => packet.get(1).map_or(0, |count| u64::from(count & 0x3F)),
    };
    frame * frames
}

#[cfg(test)]
#[path = "ogg_tests.rs"]
mod tests;
