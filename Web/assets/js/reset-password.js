// Password reset: ask for a link, or (with #token=… from the emailed link) choose a new password.
// An account with two-step verification must also give a code: a reset never bypasses MFA.
import { postJSON } from "./api.js";
import { Form, takeFragmentParameter } from "./forms.js";

const token = takeFragmentParameter("token");
const requestForm = new Form(document.getElementById("request-form"), ["email"], document.getElementById("request-message"));
const resetForm = new Form(document.getElementById("reset-form"), ["newPassword", "code"], document.getElementById("reset-message"));
let codeRequired = false;

if (token) {
  document.getElementById("request-card").hidden = true;
  document.getElementById("reset-card").hidden = false;
  try {
    codeRequired = (await postJSON("/api/v1/auth/password-reset/check", { token })).codeRequired;
  } catch (error) {
    resetForm.showMessage(error.message);
    resetForm.submit.disabled = true;
  }
  document.getElementById("code-field").hidden = !codeRequired;
  document.getElementById("reset-title").focus();
}

requestForm.onSubmit(async () => {
  if (!requestForm.requireFilled()) return;
  const result = await requestForm.run("Sending…", () => postJSON("/api/v1/auth/password-reset", requestForm.values()));
  if (result) requestForm.showMessage(result.message, "success");
});

resetForm.onSubmit(async () => {
  if (!resetForm.requireFilled(codeRequired ? ["newPassword", "code"] : ["newPassword"])) return;
  const code = resetForm.value("code").trim();
  const isRecovery = /[a-z]/i.test(code);
  const done = await resetForm.run("Saving…", async () => {
    await postJSON("/api/v1/auth/password-reset/complete", {
      token,
      newPassword: resetForm.value("newPassword"),
      code: codeRequired && !isRecovery ? code : null,
      recoveryCode: codeRequired && isRecovery ? code : null,
    });
    return true;
  });
  if (!done) return;
  document.getElementById("reset-card").hidden = true;
  document.getElementById("reset-done").hidden = false;
  document.getElementById("reset-done-title").focus();
});
