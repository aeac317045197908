// Accepting an invitation (#token=… from the email): shows who invited whom to what, then creates
// the account. The address was proven by the email itself, so it is not asked again.
import { postJSON } from "./api.js";
import { Form, takeFragmentParameter } from "./forms.js";

const token = takeFragmentParameter("token");
const form = new Form(document.getElementById("invite-form"), ["displayName", "password"], document.getElementById("invite-message"));
const roles = { admin: "an administrator", auditor: "an auditor", member: "a member" };

try {
  if (!token) throw new Error("Open the link from your invitation email exactly as it was sent.");
  const details = await postJSON("/api/v1/invitations/lookup", { token });
  document.getElementById("invite-organization").textContent = details.organizationName;
  document.getElementById("invite-summary").textContent =
    "You are invited as " + (roles[details.role] ?? details.role) + " with the address " + details.email + ".";
  form.form.hidden = false;
} catch (error) {
  form.showMessage(error.message);
}

form.onSubmit(async () => {
  if (!form.requireFilled()) return;
  const result = await form.run("Creating account…", () => postJSON("/api/v1/invitations/accept", { token, ...form.values() }));
  if (!result) return;
  document.getElementById("invite-card").hidden = true;
  document.getElementById("invite-done").hidden = false;
  document.getElementById("invite-done-title").focus();
});
