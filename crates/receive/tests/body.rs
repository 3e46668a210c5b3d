use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};
use sightline_receive::{ReceiveError, decode_body};
use std::io::Write;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn identity_gzip_deflate_zstd() {
    let data = b"{\"event\":\"hello\"}\n".repeat(50);
    assert_eq!(decode_body(None, &data, 1 << 20).unwrap(), data);
    assert_eq!(decode_body(Some("identity"), &data, 1 << 20).unwrap(), data);
    assert_eq!(
        decode_body(Some("gzip"), &gzip(&data), 1 << 20).unwrap(),
        data
    );
    assert_eq!(
        decode_body(Some("X-Gzip"), &gzip(&data), 1 << 20).unwrap(),
        data
    );
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(&data).unwrap();
    assert_eq!(
        decode_body(Some("deflate"), &z.finish().unwrap(), 1 << 20).unwrap(),
        data
    );
    let zs = zstd::encode_all(&data[..], 3).unwrap();
    assert_eq!(decode_body(Some("zstd"), &zs, 1 << 20).unwrap(), data);
    // Stacked codings are undone in reverse order.
    let both = zstd::encode_all(&gzip(&data)[..], 3).unwrap();
    assert_eq!(
        decode_body(Some("gzip, zstd"), &both, 1 << 20).unwrap(),
        data
    );
}

#[test]
fn concatenated_gzip_members() {
    let mut body = gzip(b"a\n");
    body.extend(gzip(b"b\n"));
    assert_eq!(decode_body(Some("gzip"), &body, 100).unwrap(), b"a\nb\n");
}

#[test]
fn bombs_stop_at_the_limit() {
    let zeros = vec![0u8; 50 << 20];
    let gz = gzip(&zeros);
    assert!(gz.len() < 100 << 10);
    assert_eq!(
        decode_body(Some("gzip"), &gz, 1 << 20),
        Err(ReceiveError::TooLarge { limit: 1 << 20 })
    );
    let zs = zstd::encode_all(&zeros[..], 3).unwrap();
    assert_eq!(
        decode_body(Some("zstd"), &zs, 1 << 20),
        Err(ReceiveError::TooLarge { limit: 1 << 20 })
    );
    assert_eq!(
        decode_body(None, &[1; 11], 10),
        Err(ReceiveError::TooLarge { limit: 10 })
    );
    assert_eq!(decode_body(None, &[1; 10], 10).unwrap().len(), 10);
}

#[test]
fn bad_input_is_a_clear_error() {
    let err = decode_body(Some("br"), b"x", 10).unwrap_err();
    assert!(
        err.to_string()
            .contains("unsupported Content-Encoding \"br\""),
        "{err}"
    );
    let err = decode_body(Some("gzip"), b"not gzip at all", 100).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiveError::CorruptBody {
                encoding: "gzip",
                ..
            }
        ),
        "{err}"
    );
    let err = decode_body(Some("zstd"), b"not zstd at all", 100).unwrap_err();
    assert!(
        matches!(
            err,
            ReceiveError::CorruptBody {
                encoding: "zstd",
                ..
            }
        ),
        "{err}"
    );
}
