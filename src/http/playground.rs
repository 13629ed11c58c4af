//! The playground at `/`: GraphiQL 3 with its Explorer plugin, served from files compiled into the
//! binary, so it works where the browser has no internet access and makes no request to any other
//! host.
//!
//! The third-party files (GraphiQL's and the Explorer plugin's browser bundles, React 18's UMD
//! builds, their licences) are in `playground/vendor/`, fetched at pinned versions by
//! `scripts/vendor-playground`; the page itself (`playground/index.html`, `playground.js`,
//! `playground.css`) is ours. Assets are served at `/playground/<hash>/<file>`, the hash covering
//! every asset, so they can be cached for a year while a new build gets new URLs; the page is
//! revalidated on every load. A Content-Security-Policy limits the page to its own origin.
//!
//! The page's default tab ([`DEFAULT_QUERY`]) and header template ([`DEFAULT_HEADERS`]) are the
//! two constants to edit. When the gateway refuses the caller introspection, the page says so in
//! place of the Explorer and the docs, and queries typed in still run (`playground.js`).

use std::fmt::Write as _;
use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::middleware::Compress;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

/// The query of the playground's first tab: a walk through the registry. Keep it to root fields and
/// relations whose names are stable (`tenant`, `prompts`, `knowledgeSources`).
pub const DEFAULT_QUERY: &str = r##"# Agents, their prompts and knowledge
# sources. Run it with Ctrl-Enter or ▶;
# the Explorer on the left lists every
# root field and builds queries.
#
# Anonymous callers see the shared
# public registry. To query as a tenant,
# remove the "#" before Authorization
# (a JWT signed with REGISTRY_JWT_SECRET)
# or X-API-Key (`registry-gateway keys
# create`) in Headers below: names that
# start with "#" are not sent.
query AgentsWithPromptsAndKnowledge {
  agents(first: 5, orderBy: [NAME_ASC]) {
    # counted only when selected
    totalCount
    # endCursor is the next page's `after:`
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        name
        slug
        status
        # null in the shared registry
        tenant { name }
        # agent_prompts' columns on each edge
        prompts(first: 3) {
          edges {
            isPrimary
            priority
            node { name roleType }
          }
        }
        knowledgeSources(first: 3) {
          nodes { title sourceType }
        }
      }
    }
  }
}
"##;

/// The headers editor's template: names starting with `#` are switched off (not sent) until the `#`
/// is removed, so the page works anonymously as it is.
pub const DEFAULT_HEADERS: &str = r##"{
  "#Authorization": "Bearer <JWT>",
  "#X-API-Key": "<rgk_… key>"
}"##;

/// Where the page sends its GraphQL requests.
const ENDPOINT: &str = "/graphql";

/// The Content-Security-Policy of the page: scripts, styles, fonts, images and requests from this
/// origin only (GraphiQL's fonts and icons are `data:` URLs, its components set inline styles).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// A file served under `/playground/<hash>/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:expr, $path:literal) => {
        Asset { name: $name, content_type: $content_type, bytes: include_bytes!($path) }
    };
    (vendor $name:literal, $content_type:expr) => {
        Asset { name: $name, content_type: $content_type, bytes: include_bytes!(concat!("playground/vendor/", $name)) }
    };
}

/// Every asset, in the order the page loads them (licences last).
static ASSETS: &[Asset] = &[
    asset!(vendor "graphiql.min.css", CSS),
    asset!(vendor "graphiql-plugin-explorer.css", CSS),
    asset!("playground.css", CSS, "playground/playground.css"),
    asset!(vendor "react.production.min.js", JS),
    asset!(vendor "react-dom.production.min.js", JS),
    asset!(vendor "graphiql.min.js", JS),
    asset!(vendor "graphiql-plugin-explorer.umd.js", JS),
    asset!("playground.js", JS, "playground/playground.js"),
    asset!(vendor "LICENSE.graphiql", TEXT),
    asset!(vendor "LICENSE.graphiql-explorer", TEXT),
    asset!(vendor "LICENSE.react", TEXT),
    asset!(vendor "LICENSE.react-dom", TEXT),
];

/// The first 16 hex digits of the SHA-256 of every asset's name and bytes: the assets' URL segment.
static ASSETS_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut sha = Sha256::new();
    for asset in ASSETS {
        sha.update(asset.name.as_bytes());
        sha.update((asset.bytes.len() as u64).to_le_bytes());
        sha.update(asset.bytes);
    }
    sha.finalize().iter().take(8).fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
});

static PAGE: LazyLock<String> = LazyLock::new(|| page(&format!("/playground/{}", *ASSETS_HASH)));

/// The HTML page with its assets under `base` and its settings as JSON in a data block.
fn page(base: &str) -> String {
    let config = serde_json::json!({
        "endpoint": ENDPOINT,
        "defaultQuery": DEFAULT_QUERY,
        "defaultHeaders": DEFAULT_HEADERS,
    });
    // Escaping `<` keeps `</script>` in a string from closing the data block.
    let config = config.to_string().replace('<', "\\u003c");
    include_str!("playground/index.html").replace("{{ASSETS}}", base).replace("{{CONFIG}}", &config)
}

/// Routes `/` (the page) and `/playground/<hash>/<file>` (its assets, gzip-compressed when the
/// browser accepts it).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(serve_page)).service(
        web::resource("/playground/{hash}/{file}").wrap(Compress::default()).route(web::get().to(serve_asset)),
    );
}

async fn serve_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(PAGE.as_str())
}

async fn serve_asset(path: web::Path<(String, String)>) -> HttpResponse {
    let (hash, file) = path.into_inner();
    match ASSETS.iter().find(|a| a.name == file) {
        Some(asset) if hash == *ASSETS_HASH => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(asset.bytes),
        // An older build's URL (or an unknown file): not cached, so a reload gets the current page.
        _ => HttpResponse::NotFound()
            .content_type(TEXT)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body("no such playground file in this build of the gateway: reload /"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_file_is_served_and_matches_sha256sums() {
        let sums = include_str!("playground/vendor/SHA256SUMS");
        let mut listed = 0;
        for line in sums.lines() {
            let (sum, name) = line.split_once("  ").expect("`<sha256>  <file>` lines");
            let asset = ASSETS.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("{name} is not served"));
            let actual = Sha256::digest(asset.bytes).iter().fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            });
            assert_eq!(actual, sum, "{name} differs from vendor/SHA256SUMS: run scripts/vendor-playground");
            listed += 1;
        }
        // Every asset but our own page files comes from the vendoring script.
        assert_eq!(listed, ASSETS.len() - 2);
    }

    #[test]
    fn the_page_loads_every_script_and_stylesheet_from_its_hashed_folder() {
        let page = page("/playground/0123456789abcdef");
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(!page.contains("{{"), "a placeholder is left: {page}");
        for asset in ASSETS.iter().filter(|a| a.content_type != TEXT) {
            let url = format!("/playground/0123456789abcdef/{}", asset.name);
            assert_eq!(page.matches(&format!("\"{url}\"")).count(), 1, "{url} is not loaded once");
        }
        assert!(!page.contains("http://") && !page.contains("https://"), "the page names another host: {page}");
        assert_eq!(ASSETS_HASH.len(), 16);
    }

    #[test]
    fn the_settings_cannot_break_out_of_their_data_block() {
        let page = page("/p");
        let start = page.find(r#"<script type="application/json" id="playground-config">"#).expect("the data block");
        let end = start + page[start..].find("</script>").expect("its end");
        let block = &page[start..end];
        let json = &block[block.find('>').expect("tag end") + 1..];
        let config: serde_json::Value = serde_json::from_str(json).expect("JSON");
        assert_eq!(config["endpoint"], ENDPOINT);
        assert_eq!(config["defaultQuery"], DEFAULT_QUERY);
        assert_eq!(config["defaultHeaders"], DEFAULT_HEADERS);
        assert!(!json.contains('<'));
    }

    #[test]
    fn the_header_template_is_json_whose_headers_are_all_switched_off() {
        let headers: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(DEFAULT_HEADERS).expect("GraphiQL needs the headers to be JSON");
        assert_eq!(headers.keys().map(String::as_str).collect::<Vec<_>>(), ["#Authorization", "#X-API-Key"]);
    }
}
