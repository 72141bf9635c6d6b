import type { ConfigVariables } from "../shared/config.js";

/** A variable's default as README shows it: the schema's own, or `—` for none. */
function defaultOf(variable: ConfigVariables[string]): string {
  if (variable.defaultDoc) return variable.defaultDoc;
  const parsed = variable.schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined || parsed.data === "") return "—";
  return `\`${String(parsed.data)}\``;
}

/**
 * README.md's configuration table, generated from the variables themselves (the platform's, then
 * each function's in compose order): `npm run docs` writes it, a test keeps it written.
 */
export function renderConfigTable(groups: readonly { name: string; variables: ConfigVariables }[]): string {
  const rows = groups.flatMap((group) =>
    Object.entries(group.variables).map(([name, variable]) => `| \`${name}\` | ${group.name} | ${defaultOf(variable)} | ${variable.doc} |`),
  );
  return ["| variable | read by | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}
