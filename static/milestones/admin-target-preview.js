// Select2 widgets (owner, evidence, moved by) fire jQuery events only; pass them on to htmx
// so the target's live reading follows the announcement it is read against.
(function () {
  "use strict";
  function announce() {
    var field = document.getElementById("id_target_text");
    if (field && window.htmx) {
      window.htmx.trigger(field, "ssb:context");
    }
  }
  function bind() {
    if (window.django && window.django.jQuery) {
      window.django.jQuery(document).on("change", "#id_owner, #id_evidence, #id_moved_by", announce);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
