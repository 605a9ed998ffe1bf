use apolo_apps_emulator::{start, Options};
use clap::Parser;
use std::io::Write;

#[tokio::main]
async fn main() {
    let opts = Options::parse();
    let running = match start(opts).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("apolo-apps-emulator: cannot start: {e}");
            std::process::exit(1);
        }
    };
    // scripts/with-emulator.sh waits for the last line; print both at once and flush.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "dev token: {}", running.token);
    let _ = writeln!(out, "listening on http://{}", running.addr);
    let _ = out.flush();
    drop(out);
    tokio::select! {
        _ = running.task => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
