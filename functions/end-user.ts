import { badRequest } from "../shared/errors.js";
import { defaultEndUser } from "./chat/hooks.js";

/** OpenAI's `user` is free text (an email, a UUID, a name): bounded, printable, and nothing else. */
export const maxEndUserChars = 256;
// Control characters would make log lines and keys ambiguous; everything printable is a name.
const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * The person inside the tenant a request acts for: the body's `user` field when it has one, else
 * the `X-Archive-User` header, else the tenant's default end user. Front-ends such as Open WebUI and
 * LibreChat use one API key for many people; this is how each of them gets their own memories.
 */
export function resolveEndUser(bodyUser: string | undefined | null, header: string | undefined): string {
  const named = bodyUser ?? header;
  if (named === undefined || named === null) return defaultEndUser;
  const name = named.trim();
  if (name === "") return defaultEndUser;
  if (name.length > maxEndUserChars || controlCharacters.test(name)) {
    throw badRequest(`The end user (\`user\` or X-Archive-User) must be 1 to ${maxEndUserChars} printable characters`, "invalid_user");
  }
  return name;
}
