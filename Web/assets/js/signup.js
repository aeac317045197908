// Self sign-up (only when the organisation allows it): the server answers the same whether or not
// the address already has an account, and the account works once its address is confirmed.
import { getJSON, postJSON } from "./api.js";
import { Form } from "./forms.js";

const form = new Form(document.getElementById("signup-form"), ["displayName", "email", "password"], document.getElementById("signup-message"));
const session = await getJSON("/api/v1/auth/session").catch(() => null);
if (session && !session.signupAllowed) {
  form.showMessage("This DigitalMeet does not let people sign up themselves. Ask an administrator of your organisation for an invitation.");
  form.submit.disabled = true;
}

form.onSubmit(async () => {
  if (!form.requireFilled()) return;
  const result = await form.run("Creating account…", () => postJSON("/api/v1/auth/sign-up", form.values()));
  if (!result) return;
  document.getElementById("signup-card").hidden = true;
  document.getElementById("signup-done-text").textContent = result.message;
  document.getElementById("signup-done").hidden = false;
  document.getElementById("signup-done-title").focus();
});
