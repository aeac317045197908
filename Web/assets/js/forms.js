// Form helpers every account page shares: errors next to the field that caused them, one message
// area per form, and a busy state on the submit button.

/** Reads a token such as "token=…" from the URL fragment, then removes the fragment from history. */
export function takeFragmentParameter(name) {
  const value = new URLSearchParams(location.hash.slice(1)).get(name);
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return value;
}

export class Form {
  /**
   * @param {HTMLFormElement} form
   * @param {string[]} fields ids of the inputs; each has an element `<id>-error` for its message
   * @param {HTMLElement} message the form-level message (role="alert")
   */
  constructor(form, fields, message) {
    this.form = form;
    this.fields = fields;
    this.message = message;
    this.submit = form.querySelector("button[type=submit]");
  }

  value(name) {
    return document.getElementById(name).value;
  }

  values() {
    return Object.fromEntries(this.fields.map((name) => [name, this.value(name)]));
  }

  clear() {
    this.showMessage("");
    for (const name of this.fields) {
      const error = document.getElementById(name + "-error");
      if (error) error.textContent = "";
      document.getElementById(name).removeAttribute("aria-invalid");
    }
  }

  showMessage(text, kind = "error") {
    this.message.textContent = text;
    this.message.className = "notice notice--" + kind;
    this.message.hidden = !text;
  }

  showFieldError(name, text) {
    const input = document.getElementById(name);
    document.getElementById(name + "-error").textContent = text;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  /** Checks required fields; returns false (and marks the first empty one) if any is empty. */
  requireFilled(names = this.fields) {
    const empty = names.filter((name) => !this.value(name).trim());
    for (const name of empty.slice().reverse()) this.showFieldError(name, "This field is required.");
    return empty.length === 0;
  }

  /** Shows an ApiError next to its field when it names one of ours, otherwise above the form. */
  showError(error) {
    if (error.field && this.fields.includes(error.field)) this.showFieldError(error.field, error.message);
    else if (error.field === "password" && this.fields.includes("newPassword")) this.showFieldError("newPassword", error.message);
    else this.showMessage(error.message);
  }

  /** Runs `action` with the submit button busy; shows any error. Returns the action's result or undefined. */
  async run(busyLabel, action) {
    const label = this.submit.textContent;
    this.submit.disabled = true;
    this.submit.textContent = busyLabel;
    try {
      return await action();
    } catch (error) {
      this.showError(error);
      return undefined;
    } finally {
      this.submit.disabled = false;
      this.submit.textContent = label;
    }
  }

  onSubmit(handler) {
    this.form.addEventListener("submit", async (event) => {
      event.preventDefault();
      this.clear();
      await handler();
    });
  }
}

/** A same-origin path to go to after signing in, from `?next=`; anything else falls back to /account. */
export function safeNextPath() {
  const next = new URLSearchParams(location.search).get("next");
  if (next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\")) return next;
  return "/account";
}
