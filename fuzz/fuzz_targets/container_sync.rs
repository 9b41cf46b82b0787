//! A container's synchronize answer from arbitrary bytes: the HTTP answer's
//! envelope and encryption parameters, and the decrypted server dict (read as
//! the vault reads it after decryption), refused or read without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vakt_core::container::protocol::{server_dict, sync_reply};
use vakt_core::push::transport::HttpResponse;

fuzz_target!(|data: &[u8]| {
    let response = HttpResponse {
        status: 200,
        body: data.to_vec(),
    };
    let _ = sync_reply(&response);
    let _ = server_dict(data, "SMPH000051AC");
});
