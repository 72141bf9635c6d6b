import { ApiError, messageOf, storedKey, type Api } from "../api.js";
import { field, h, replaceChildren } from "../dom.js";

export interface Identity {
  tenant: string;
  /** No ARCHIVE_API_KEYS on the server: everyone is tenant `default`. */
  authOff: boolean;
}

/**
 * Resolves once `/whoami` accepts us: at once when auth is off or the tab still holds a good
 * key, otherwise after the person pastes one. The key is kept in session storage only.
 */
export async function signIn(root: HTMLElement, api: Api): Promise<Identity> {
  const hadKey = storedKey.get() !== "";
  try {
    const { tenant } = await api.json<{ tenant: string }>("/whoami");
    return { tenant, authOff: !hadKey };
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
    storedKey.set("");
  }
  return new Promise((resolve) => {
    const input = h("input", { type: "password", name: "api-key", autocomplete: "current-password", required: true, spellcheck: "false" });
    const problem = h("p", { class: "error", role: "alert", hidden: true });
    const submit = h("button", { type: "submit" }, "Sign in");
    const form = h(
      "form",
      { class: "sign-in", "aria-labelledby": "sign-in-title" },
      h("h1", { id: "sign-in-title" }, "Sign in to Archive"),
      field("API key", input, "One of the server's ARCHIVE_API_KEYS. Kept in this tab only."),
      problem,
      submit,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit.disabled = true;
      storedKey.set(input.value.trim());
      api
        .json<{ tenant: string }>("/whoami")
        .then(({ tenant }) => resolve({ tenant, authOff: false }))
        .catch((error: unknown) => {
          storedKey.set("");
          problem.hidden = false;
          problem.textContent = error instanceof ApiError && error.status === 401 ? "That key was not accepted." : messageOf(error);
          input.setAttribute("aria-invalid", "true");
          input.focus();
        })
        .finally(() => (submit.disabled = false));
    });
    replaceChildren(root, h("main", { id: "main" }, form));
    input.focus();
  });
}
