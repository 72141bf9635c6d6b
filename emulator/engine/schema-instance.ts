/**
 * A small JSON Schema instance generator: the emulated engine's stand-in for vLLM's guided
 * decoding. Given a schema (response_format json_schema, guided_json, a tool's parameters) it
 * builds a value that validates against it, filling text from words the prompt offers so a
 * reply still shows what reached the engine. It covers what clients send: object/properties/
 * required, arrays with min/maxItems, enum/const, string formats and lengths, number bounds,
 * anyOf/oneOf/allOf, nullable types and local `$ref`s (`#/$defs/…`, `#/definitions/…`).
 */
type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === "object" && value !== null && !Array.isArray(value);

const maxDepth = 8;

export interface InstanceOptions {
  /** Words to fill strings with, in order (the prompt's key words). */
  words: readonly string[];
}

export function instanceOf(schema: unknown, options: InstanceOptions): unknown {
  const root = isSchema(schema) ? schema : {};
  let nextWord = 0;
  const word = () => {
    const { words } = options;
    if (words.length === 0) return "example";
    return words[nextWord++ % words.length]!;
  };

  const resolve = (node: Schema): Schema => {
    const ref = node.$ref;
    if (typeof ref !== "string" || !ref.startsWith("#/")) return node;
    let target: unknown = root;
    for (const segment of ref.slice(2).split("/")) target = isSchema(target) ? target[segment.replaceAll("~1", "/").replaceAll("~0", "~")] : undefined;
    return isSchema(target) ? resolve(target) : {};
  };

  const stringFor = (node: Schema): string => {
    switch (node.format) {
      case "date-time":
        return "2025-01-01T00:00:00Z";
      case "date":
        return "2025-01-01";
      case "time":
        return "00:00:00";
      case "email":
        return "user@example.com";
      case "uri":
      case "url":
        return "https://example.com/";
      case "uuid":
        return "00000000-0000-4000-8000-000000000000";
    }
    let text = word();
    const minLength = typeof node.minLength === "number" ? node.minLength : 0;
    const maxLength = typeof node.maxLength === "number" ? node.maxLength : Infinity;
    while (text.length < minLength) text += ` ${word()}`;
    return text.slice(0, Math.max(minLength, Math.min(text.length, maxLength)));
  };

  const numberFor = (node: Schema, integer: boolean): number => {
    const minimum = typeof node.minimum === "number" ? node.minimum : typeof node.exclusiveMinimum === "number" ? node.exclusiveMinimum + (integer ? 1 : 0.5) : undefined;
    const maximum = typeof node.maximum === "number" ? node.maximum : typeof node.exclusiveMaximum === "number" ? node.exclusiveMaximum - (integer ? 1 : 0.5) : undefined;
    let value = minimum ?? (maximum !== undefined ? Math.min(0, maximum) : 1);
    if (integer) value = Math.ceil(value);
    return value;
  };

  const build = (input: Schema, depth: number): unknown => {
    const node = resolve(input);
    if ("const" in node) return node.const;
    if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
    if (Array.isArray(node.allOf)) {
      // Every part must hold: their properties and required names add up.
      const merged: Schema = { ...node, allOf: undefined };
      for (const part of node.allOf) {
        if (!isSchema(part)) continue;
        const resolved = resolve(part);
        const properties = { ...(isSchema(merged.properties) ? merged.properties : {}), ...(isSchema(resolved.properties) ? resolved.properties : {}) };
        const required = [...(Array.isArray(merged.required) ? merged.required : []), ...(Array.isArray(resolved.required) ? resolved.required : [])];
        Object.assign(merged, resolved, { properties, required });
      }
      return build(merged, depth);
    }
    const alternatives = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
    if (alternatives) {
      // Prefer a real value to `null`, so an optional field still carries content.
      const chosen = alternatives.find((alternative) => isSchema(alternative) && resolve(alternative).type !== "null") ?? alternatives[0];
      return build(isSchema(chosen) ? chosen : {}, depth);
    }
    const types = Array.isArray(node.type) ? node.type : [node.type];
    const type = types.find((candidate) => candidate !== "null") ?? types[0] ?? (node.properties ? "object" : node.items ? "array" : "string");
    if (depth > maxDepth) return type === "null" ? null : type === "array" ? [] : type === "object" ? {} : stringFor({});
    switch (type) {
      case "object": {
        const properties = isSchema(node.properties) ? node.properties : {};
        const value: Record<string, unknown> = {};
        for (const [name, property] of Object.entries(properties)) value[name] = build(isSchema(property) ? property : {}, depth + 1);
        // A schema that lists only `required` names (no properties) still gets them.
        if (Array.isArray(node.required)) for (const name of node.required) if (typeof name === "string" && !(name in value)) value[name] = word();
        return value;
      }
      case "array": {
        const items = isSchema(node.items) ? node.items : {};
        const minItems = typeof node.minItems === "number" ? node.minItems : 1;
        const maxItems = typeof node.maxItems === "number" ? node.maxItems : Infinity;
        const count = Math.min(Math.max(minItems, 1), maxItems);
        return Array.from({ length: count }, () => build(items, depth + 1));
      }
      case "integer":
        return numberFor(node, true);
      case "number":
        return numberFor(node, false);
      case "boolean":
        return true;
      case "null":
        return null;
      default:
        return stringFor(node);
    }
  };

  return build(root, 0);
}
