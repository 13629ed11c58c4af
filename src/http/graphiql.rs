//! The GraphiQL IDE page served at `/`.
//!
//! The page loads React and GraphiQL from unpkg.com at runtime. The gateway host may have no
//! internet access, but the browsers of the people using GraphiQL do; bundling GraphiQL would add
//! megabytes of JavaScript to the binary for a development tool.
//!
//! The markup mirrors `async_graphql::http::GraphiQLSource::build().endpoint(..).finish()` (GraphiQL
//! 4, React 18). That builder is behind async-graphql's `graphiql` feature, which pulls in
//! `handlebars` and is not enabled in this project, so the page is written out here; enabling the
//! feature would let this function become a one-line call to the builder.

/// A GraphiQL HTML page that sends its requests to `endpoint` (absolute, or relative to the page's
/// origin, e.g. `/graphql`).
pub fn graphiql_page(endpoint: &str) -> String {
    // A JSON string is a valid JavaScript string literal; escaping `<` keeps `</script>` inside the
    // endpoint from closing the script element.
    let endpoint_js = serde_json::Value::String(endpoint.to_owned()).to_string().replace('<', "\\u003c");
    PAGE.replace("__ENDPOINT__", &endpoint_js)
}

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="origin">
    <title>Registry Gateway - GraphiQL</title>
    <style>
      body { height: 100%; margin: 0; width: 100%; overflow: hidden; }
      #graphiql { height: 100vh; }
    </style>
    <!-- Loaded from a CDN by the browser; the gateway itself needs no internet access. -->
    <script crossorigin src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
    <script crossorigin src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
    <link rel="icon" href="https://graphql.org/favicon.ico">
    <link rel="stylesheet" href="https://unpkg.com/graphiql@4/graphiql.min.css" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL&hellip; (it is fetched from unpkg.com; without internet access, send queries with curl)</div>
    <script src="https://unpkg.com/graphiql@4/graphiql.min.js" type="application/javascript"></script>
    <script>
      const endpoint = new URL(__ENDPOINT__, window.location.origin).toString();
      const fetcher = GraphiQL.createFetcher({
        url: endpoint,
        fetch: (url, opts = {}) => fetch(url, { ...opts, credentials: 'same-origin' }),
      });
      ReactDOM.createRoot(document.getElementById('graphiql')).render(
        React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true })
      );
    </script>
  </body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_points_graphiql_at_the_endpoint() {
        let page = graphiql_page("/graphql");
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains(r#"new URL("/graphql", window.location.origin)"#));
        assert!(page.contains("graphiql.min.js"));
        assert!(!page.contains("__ENDPOINT__"));
    }

    #[test]
    fn endpoint_cannot_break_out_of_the_script() {
        let page = graphiql_page(r#"/x"</script><script>alert(1)</script>"#);
        assert_eq!(page.matches("</script>").count(), PAGE.matches("</script>").count());
        assert!(page.contains(r#""/x\"\u003c/script>\u003cscript>alert(1)\u003c/script>""#));
    }
}
