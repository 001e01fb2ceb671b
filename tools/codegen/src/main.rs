//! `quayside-codegen`: writes every generated file of the workspace (`make codegen`).

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for target in quayside_codegen::TARGETS {
        let text = quayside_codegen::generate_target(&root, target).unwrap_or_else(|e| {
            eprintln!("{}: {e}", target.model);
            std::process::exit(1)
        });
        let out = root.join(target.output);
        if std::fs::read_to_string(&out).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&out, text).unwrap_or_else(|e| {
                eprintln!("{}: {e}", target.output);
                std::process::exit(1)
            });
            println!("wrote {}", target.output);
        }
    }
}
