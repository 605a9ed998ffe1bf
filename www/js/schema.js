// Builds an install skeleton from a template's JSON Schema: required fields and fields with defaults,
// the way `apolo app-template get` prefills its file. Follows local $refs and allOf/anyOf/oneOf.

const MAX_DEPTH = 12;

function resolveRef(root, ref) {
  if (typeof ref !== "string" || !ref.startsWith("#/")) return undefined;
  let node = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node == null || typeof node !== "object") return undefined;
    node = node[key];
  }
  return node;
}

/** Flattens $ref and allOf, and picks the first non-null branch of anyOf/oneOf. */
function normalize(root, schema, depth) {
  if (!schema || typeof schema !== "object" || depth > MAX_DEPTH) return {};
  let s = schema;
  if (s.$ref) {
    const target = resolveRef(root, s.$ref);
    const { $ref, ...rest } = s;
    s = { ...normalize(root, target, depth + 1), ...rest };
  }
  if (Array.isArray(s.allOf)) {
    const { allOf, ...rest } = s;
    let merged = {};
    for (const part of allOf) {
      const p = normalize(root, part, depth + 1);
      merged = {
        ...merged, ...p,
        properties: { ...(merged.properties || {}), ...(p.properties || {}) },
        required: [...(merged.required || []), ...(p.required || [])],
      };
    }
    s = { ...merged, ...rest, properties: { ...merged.properties, ...(rest.properties || {}) }, required: [...merged.required, ...(rest.required || [])] };
  }
  const alts = s.anyOf || s.oneOf;
  if (Array.isArray(alts) && s.type === undefined && s.properties === undefined) {
    const pick = alts.find((a) => a && a.type !== "null") || alts[0];
    const { anyOf, oneOf, ...rest } = s;
    s = { ...normalize(root, pick, depth + 1), ...rest };
  }
  return s;
}

function typeOf(s) {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== "null") || s.type[0];
  if (s.type) return s.type;
  if (s.properties) return "object";
  return undefined;
}

/** A value for `schema`, or undefined when nothing needs to be filled (not required, no default). */
function valueFor(root, raw, required, depth) {
  const s = normalize(root, raw, depth);
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.const !== undefined) return s.const;
  const t = typeOf(s);
  if (t === "object") {
    const obj = {};
    const req = new Set(s.required || []);
    for (const [key, sub] of Object.entries(s.properties || {})) {
      // Placeholders for required fields only along a chain of required objects; an optional
      // object appears only when it carries defaults.
      const v = valueFor(root, sub, required && req.has(key), depth + 1);
      if (v !== undefined) obj[key] = v;
    }
    return Object.keys(obj).length || required ? obj : undefined;
  }
  if (!required) return undefined;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  switch (t) {
    case "string": return "";
    case "integer": case "number": return s.minimum ?? 0;
    case "boolean": return false;
    case "array": return [];
    default: return null;
  }
}

export function inputSkeleton(schema) {
  if (!schema || typeof schema !== "object") return {};
  const v = valueFor(schema, schema, true, 0);
  return v && typeof v === "object" && !Array.isArray(v) ? v : {};
}

export function installSkeleton(template) {
  return {
    template_name: template.name,
    template_version: template.version || "latest",
    display_name: template.title ? `My ${template.title}` : template.name,
    input: inputSkeleton(template.input),
  };
}
