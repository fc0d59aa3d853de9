/// The offline API pages: `/docs` (interactive, with "try it") and `/redoc` (a reference).
///
/// Both are one self-contained HTML document — inline CSS and script, no CDN, no web
/// fonts — that fetches `/openapi.json` from the same server and renders it, so the pages
/// work in an air-gapped cluster exactly as they do on a laptop.
enum DocsPage {
    /// Which rendering of the OpenAPI document to produce.
    enum Style: String {
        /// Operations as expandable panels with a form to send a request (Swagger UI's role).
        case interactive
        /// A navigation column and the full reference, read-only (ReDoc's role).
        case reference
    }

    /// The HTML page for `style`, reading the API description from `specPath`.
    static func html(style: Style, title: String, specPath: String = "/openapi.json") -> String {
        template
            .replacing("{{TITLE}}", with: escapeHTML(title))
            .replacing("{{SPEC}}", with: escapeHTML(specPath))
            .replacing("{{STYLE}}", with: style.rawValue)
    }

    private static func escapeHTML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    private static let template = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
:root { --fg:#1d2330; --muted:#5b6477; --line:#dde1ea; --bg:#f7f8fb; --accent:#2f5bd3;
  --get:#1f8a4c; --post:#2f5bd3; --put:#a8640c; --delete:#c0392b; --patch:#7b3fb3; --head:#5b6477; --options:#5b6477; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:#fff; }
header { padding:18px 28px; border-bottom:1px solid var(--line); background:var(--bg); }
header h1 { margin:0; font-size:22px; } header p { margin:4px 0 0; color:var(--muted); }
code, pre, textarea, input { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:13px; }
pre { background:#f1f3f8; border:1px solid var(--line); border-radius:6px; padding:10px; overflow:auto; max-height:420px; }
.layout { display:flex; min-height:calc(100vh - 80px); }
nav { width:280px; flex:none; border-right:1px solid var(--line); padding:14px; position:sticky; top:0; align-self:flex-start; max-height:100vh; overflow:auto; }
nav a { display:block; padding:3px 6px; color:var(--fg); text-decoration:none; border-radius:4px; font-size:13px; }
nav a:hover { background:var(--bg); } nav h3 { margin:14px 0 4px; font-size:12px; text-transform:uppercase; color:var(--muted); }
main { flex:1; padding:10px 28px 60px; min-width:0; }
h2.tag { margin:28px 0 8px; font-size:18px; border-bottom:1px solid var(--line); padding-bottom:6px; }
.op { border:1px solid var(--line); border-radius:8px; margin:10px 0; overflow:hidden; }
.op > .head { display:flex; gap:10px; align-items:center; padding:8px 12px; cursor:pointer; background:var(--bg); }
.method { font-weight:700; color:#fff; border-radius:4px; padding:1px 8px; font-size:12px; min-width:64px; text-align:center; text-transform:uppercase; }
.path { font-family: ui-monospace, Menlo, monospace; font-weight:600; word-break:break-all; }
.summary { color:var(--muted); margin-left:auto; text-align:right; }
.body { padding:10px 14px; border-top:1px solid var(--line); }
.op.closed .body { display:none; }
table { border-collapse:collapse; width:100%; margin:6px 0 10px; } td, th { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; font-size:14px; }
th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; }
.req { color:#c0392b; font-size:11px; } .schema { font-size:13px; }
.status { font-weight:700; } button { background:var(--accent); color:#fff; border:0; border-radius:5px; padding:6px 14px; cursor:pointer; }
input[type=text] { width:100%; padding:5px; border:1px solid var(--line); border-radius:4px; }
textarea { width:100%; min-height:120px; padding:6px; border:1px solid var(--line); border-radius:4px; }
.error { color:#c0392b; padding:20px 28px; }
</style>
</head>
<body>
<header><h1 id="title">{{TITLE}}</h1><p id="subtitle">Loading the API description from <code>{{SPEC}}</code>…</p></header>
<div class="layout"><nav id="nav"></nav><main id="main"></main></div>
<script>
"use strict";
const STYLE = "{{STYLE}}", SPEC = "{{SPEC}}";
const el = (tag, attrs = {}, ...kids) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) { if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v); }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined) node.append(kid instanceof Node ? kid : String(kid));
  return node;
};
let spec = {};
function resolve(schema, seen = new Set()) {
  if (!schema || typeof schema !== "object" || !schema.$ref) return schema;
  if (seen.has(schema.$ref)) return {};
  seen.add(schema.$ref);
  const target = schema.$ref.replace(/^#\//, "").split("/").reduce((o, k) => o && o[k.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
  return resolve(target, seen) || {};
}
function typeName(schema) {
  const s = resolve(schema) || {};
  if (schema && schema.$ref) return schema.$ref.split("/").pop();
  if (s.oneOf || s.anyOf) return (s.oneOf || s.anyOf).map(typeName).join(" | ");
  if (s.type === "array") return "array of " + typeName(s.items || {});
  if (Array.isArray(s.type)) return s.type.join(" | ");
  return s.type || (s.properties ? "object" : "any");
}
function schemaTable(schema, depth = 0) {
  const s = resolve(schema) || {};
  if (depth > 4) return el("span", {}, typeName(schema));
  if (s.type === "array" && s.items) return el("div", { class: "schema" }, "array of ", schemaTable(s.items, depth + 1));
  if (!s.properties) {
    const extra = s.enum ? " — one of " + s.enum.map(v => JSON.stringify(v)).join(", ") : "";
    return el("span", { class: "schema" }, typeName(schema) + extra, s.description ? el("div", {}, s.description) : null);
  }
  const required = new Set(s.required || []);
  return el("table", { class: "schema" }, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "description")),
    Object.entries(s.properties).map(([name, prop]) => {
      const p = resolve(prop) || {};
      const nested = (p.properties || (p.type === "array" && resolve(p.items || {}).properties)) ? schemaTable(prop, depth + 1) : null;
      return el("tr", {}, el("td", {}, el("code", {}, name), required.has(name) ? el("div", { class: "req" }, "required") : null),
        el("td", {}, typeName(prop)), el("td", {}, p.description || "", nested));
    }));
}
function exampleOf(media) {
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  if (media.examples) { const first = Object.values(media.examples)[0]; if (first) return first.value; }
  const s = resolve(media.schema || {});
  return s && s.example;
}
function tryPanel(path, method, op) {
  const params = (op.parameters || []).map(p => resolve(p));
  const inputs = {};
  const rows = params.map(p => { inputs[p.in + ":" + p.name] = el("input", { type: "text", placeholder: p.name, value: p.example !== undefined ? p.example : (p.schema && p.schema.example !== undefined ? p.schema.example : "") }); return el("tr", {}, el("td", {}, el("code", {}, p.name), " (" + p.in + ")"), el("td", {}, inputs[p.in + ":" + p.name])); });
  const content = op.requestBody && resolve(op.requestBody).content || {};
  const mediaType = Object.keys(content)[0];
  const example = exampleOf(content[mediaType]);
  const body = mediaType ? el("textarea", {}, example === undefined ? "" : (typeof example === "string" ? example : JSON.stringify(example, null, 2))) : null;
  const key = el("input", { type: "text", placeholder: "API key (optional): sent as Authorization: Bearer …" });
  const out = el("pre", {}, "");
  const send = async () => {
    let url = path.replace(/\{([^}]+)\}/g, (_, n) => encodeURIComponent((inputs["path:" + n] || {}).value || ""));
    const query = params.filter(p => p.in === "query" && inputs["query:" + p.name].value !== "").map(p => encodeURIComponent(p.name) + "=" + encodeURIComponent(inputs["query:" + p.name].value));
    if (query.length) url += "?" + query.join("&");
    const headers = {};
    params.filter(p => p.in === "header" && inputs["header:" + p.name].value !== "").forEach(p => headers[p.name] = inputs["header:" + p.name].value);
    if (key.value) headers["Authorization"] = "Bearer " + key.value;
    if (body) headers["Content-Type"] = mediaType;
    out.textContent = "…";
    const started = performance.now();
    try {
      const response = await fetch(url, { method: method.toUpperCase(), headers, body: body ? body.value : undefined });
      const text = await response.text();
      let shown = text; try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
      out.textContent = response.status + " " + response.statusText + "  (" + Math.round(performance.now() - started) + " ms)\n\n" + shown;
    } catch (e) { out.textContent = "request failed: " + e; }
  };
  return el("div", {}, el("h4", {}, "Try it"), rows.length ? el("table", {}, rows) : null, body ? el("div", {}, el("div", {}, "Body (" + mediaType + ")"), body) : null,
    el("div", {}, key), el("p", {}, el("button", { onclick: send }, "Send")), out);
}
function operation(path, method, op, id) {
  const params = (op.parameters || []).map(p => resolve(p));
  const content = op.requestBody && resolve(op.requestBody).content || {};
  const section = el("div", { class: "op" + (STYLE === "interactive" ? " closed" : ""), id },
    el("div", { class: "head", onclick: () => section.classList.toggle("closed") },
      el("span", { class: "method", style: "background:var(--" + method + ")" }, method), el("span", { class: "path" }, path), el("span", { class: "summary" }, op.summary || "")),
    el("div", { class: "body" },
      op.description ? el("p", {}, op.description) : null,
      params.length ? [el("h4", {}, "Parameters"), el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "type"), el("th", {}, "description")),
        params.map(p => el("tr", {}, el("td", {}, el("code", {}, p.name), p.required ? el("div", { class: "req" }, "required") : null), el("td", {}, p.in), el("td", {}, typeName(p.schema || {})), el("td", {}, p.description || ""))))] : null,
      Object.keys(content).length ? [el("h4", {}, "Request body"), Object.entries(content).map(([type, media]) => el("div", {}, el("code", {}, type), schemaTable(media.schema || {}),
        exampleOf(media) !== undefined ? el("pre", {}, JSON.stringify(exampleOf(media), null, 2)) : null))] : null,
      el("h4", {}, "Responses"),
      el("table", {}, Object.entries(op.responses || {}).map(([status, r]) => { const resp = resolve(r) || {}; const media = resp.content && Object.values(resp.content)[0];
        return el("tr", {}, el("td", { class: "status" }, status), el("td", {}, resp.description || "", media && media.schema ? schemaTable(media.schema) : null,
          media && exampleOf(media) !== undefined ? el("pre", {}, JSON.stringify(exampleOf(media), null, 2)) : null)); })),
      STYLE === "interactive" ? tryPanel(path, method, op) : null));
  return section;
}
function render() {
  const info = spec.info || {};
  document.getElementById("title").textContent = (info.title || "API") + (info.version ? " " + info.version : "");
  document.getElementById("subtitle").textContent = info.description || "";
  document.title = (info.title || "API") + (STYLE === "reference" ? " — reference" : " — docs");
  const byTag = new Map();
  let n = 0;
  for (const [path, item] of Object.entries(spec.paths || {}))
    for (const method of ["get", "head", "post", "put", "patch", "delete", "options"]) {
      const op = item[method]; if (!op) continue;
      const tag = (op.tags && op.tags[0]) || "default";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op: Object.assign({}, op, { parameters: (item.parameters || []).concat(op.parameters || []) }), id: "op-" + (n++) });
    }
  const nav = document.getElementById("nav"), main = document.getElementById("main");
  for (const [tag, ops] of byTag) {
    const tagInfo = (spec.tags || []).find(t => t.name === tag);
    nav.append(el("h3", {}, tag));
    ops.forEach(o => nav.append(el("a", { href: "#" + o.id }, el("b", {}, o.method.toUpperCase() + " "), o.path)));
    main.append(el("h2", { class: "tag" }, tag), tagInfo && tagInfo.description ? el("p", {}, tagInfo.description) : null, ops.map(o => operation(o.path, o.method, o.op, o.id)));
  }
  if (STYLE === "reference" && spec.components && spec.components.schemas) {
    nav.append(el("h3", {}, "schemas"));
    main.append(el("h2", { class: "tag" }, "Schemas"));
    for (const [name, schema] of Object.entries(spec.components.schemas)) {
      nav.append(el("a", { href: "#schema-" + name }, name));
      main.append(el("div", { class: "op", id: "schema-" + name }, el("div", { class: "head" }, el("span", { class: "path" }, name)), el("div", { class: "body" }, schema.description ? el("p", {}, schema.description) : null, schemaTable(schema))));
    }
  }
}
fetch(SPEC).then(r => { if (!r.ok) throw new Error(r.status + " " + r.statusText); return r.json(); })
  .then(doc => { spec = doc; render(); })
  .catch(e => { document.getElementById("main").append(el("div", { class: "error" }, "Could not load " + SPEC + ": " + e.message)); });
</script>
</body>
</html>
"""#
}
