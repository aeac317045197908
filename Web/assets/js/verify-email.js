// Confirms an address from an emailed link: #token=… (a new account) or #change=… (a new address).
import { postJSON } from "./api.js";
import { takeFragmentParameter } from "./forms.js";

const fragment = new URLSearchParams(location.hash.slice(1));
const change = fragment.get("change");
const token = change ? takeFragmentParameter("change") : takeFragmentParameter("token");
const title = document.getElementById("verify-title");
const message = document.getElementById("verify-message");

function show(text, kind) {
  message.textContent = text;
  message.className = "notice notice--" + kind;
  message.hidden = false;
}

if (!token) {
  title.textContent = "This link is incomplete";
  show("Open the link from the email exactly as it was sent.", "error");
} else {
  try {
    await postJSON(change ? "/api/v1/auth/confirm-email-change" : "/api/v1/auth/verify-email", { token });
    title.textContent = change ? "Your email address was changed" : "Your email address is confirmed";
    show(change ? "Use the new address from now on to sign in." : "Your account is ready.", "success");
    document.getElementById("verify-next").hidden = false;
  } catch (error) {
    title.textContent = "This link does not work";
    show(error.message, "error");
  }
}
title.focus();
