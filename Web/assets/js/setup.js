// The one-time setup page: reads the token from the URL fragment (never sent to the server in a
// request line or Referer), then posts it with the owner's details.
import { postJSON } from "./api.js";

const form = document.getElementById("setup-form");
const submit = document.getElementById("setup-submit");
const formMessage = document.getElementById("form-message");
const fields = ["organizationName", "displayName", "email", "password"];

const token = new URLSearchParams(location.hash.slice(1)).get("token");
// Drop the token from the address bar and history as soon as it is read.
history.replaceState(null, "", location.pathname);

function showFormMessage(text) {
  formMessage.textContent = text;
  formMessage.hidden = !text;
}

function clearErrors() {
  showFormMessage("");
  for (const name of fields) {
    document.getElementById(name + "-error").textContent = "";
    document.getElementById(name).removeAttribute("aria-invalid");
  }
}

function showFieldError(name, text) {
  const input = document.getElementById(name);
  document.getElementById(name + "-error").textContent = text;
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

if (!token) {
  showFormMessage("This page needs the one-time link the server printed when it started. Open that link exactly as printed.");
  submit.disabled = true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const payload = { token: token ?? "" };
  for (const name of fields) payload[name] = document.getElementById(name).value;
  for (const name of fields.slice().reverse()) {
    if (!payload[name].trim()) showFieldError(name, "This field is required.");
  }
  if (fields.some((name) => !payload[name].trim())) return;

  submit.disabled = true;
  submit.textContent = "Creating account…";
  try {
    await postJSON("/api/v1/setup", payload);
    form.closest("section").hidden = true;
    const done = document.getElementById("setup-done");
    document.getElementById("done-text").textContent =
      "The owner account for " + payload.email + " in " + payload.organizationName + " has been created.";
    done.hidden = false;
    document.getElementById("done-title").focus();
  } catch (error) {
    const field = fields.includes(error.field) ? error.field : null;
    if (field) showFieldError(field, error.message);
    else showFormMessage(error.message);
  } finally {
    submit.disabled = false;
    submit.textContent = "Create owner account";
  }
});
