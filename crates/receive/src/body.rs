//! HTTP request bodies: `Content-Encoding` removal with a hard size cap.

use crate::error::ReceiveError;
use std::io::Read;

/// The body with its `Content-Encoding` removed: identity (or none), `gzip`
/// / `x-gzip` (concatenated members too), `deflate` (zlib, as HTTP defines
/// it) or `zstd`; a comma-separated list is undone last-applied first.
///
/// Reading stops one byte past `max_decoded`, so a decompression bomb costs
/// at most that much memory before it is refused with
/// [`ReceiveError::TooLarge`].
pub fn decode_body(
    content_encoding: Option<&str>,
    bytes: &[u8],
    max_decoded: usize,
) -> Result<Vec<u8>, ReceiveError> {
    let codings: Vec<String> = content_encoding
        .unwrap_or("")
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    // More than a couple of stacked codings is never legitimate.
    if codings.len() > 3 {
        return Err(ReceiveError::UnsupportedEncoding(
            content_encoding.unwrap_or("").to_owned(),
        ));
    }
    let mut data: Option<Vec<u8>> = None;
    for coding in codings.iter().rev() {
        let input = data.as_deref().unwrap_or(bytes);
        data = Some(decode_one(coding, input, max_decoded)?);
    }
    let data = match data {
        Some(d) => d,
        None => bytes.to_vec(),
    };
    if data.len() > max_decoded {
        return Err(ReceiveError::TooLarge { limit: max_decoded });
    }
    Ok(data)
}

fn decode_one(coding: &str, input: &[u8], max: usize) -> Result<Vec<u8>, ReceiveError> {
    match coding {
        "gzip" | "x-gzip" => read_capped(flate2::read::MultiGzDecoder::new(input), "gzip", max),
        "deflate" => read_capped(flate2::read::ZlibDecoder::new(input), "deflate", max),
        "zstd" => {
            let decoder = zstd::stream::read::Decoder::with_buffer(input).map_err(|e| {
                ReceiveError::CorruptBody {
                    encoding: "zstd",
                    reason: e.to_string(),
                }
            })?;
            read_capped(decoder, "zstd", max)
        }
        other => Err(ReceiveError::UnsupportedEncoding(other.to_owned())),
    }
}

fn read_capped(
    reader: impl Read,
    encoding: &'static str,
    max: usize,
) -> Result<Vec<u8>, ReceiveError> {
    let mut out = Vec::new();
    let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| ReceiveError::CorruptBody {
            encoding,
            reason: e.to_string(),
        })?;
    if out.len() > max {
        return Err(ReceiveError::TooLarge { limit: max });
    }
    Ok(out)
}
