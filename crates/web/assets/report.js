// The report page: what was typed is never lost by sending another form. When the figures or the
// narrative were changed and not yet saved, an evidence upload or an Excel import first saves them
// as a draft (the same request 保存草稿 sends); if that save is refused, the form is sent the
// normal way so that the page shows the errors beside the fields with everything typed kept.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) {
    return;
  }
  var dirty = false;
  form.addEventListener("input", function () {
    dirty = true;
  });
  form.addEventListener("submit", function () {
    dirty = false;
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) {
      e.preventDefault();
      e.returnValue = "";
    }
  });
  var others = document.querySelectorAll("form[data-saves-report-first]");
  Array.prototype.forEach.call(others, function (other) {
    other.addEventListener("submit", function (e) {
      if (!dirty) {
        return;
      }
      e.preventDefault();
      var data = new FormData(form);
      data.set("intent", "save");
      var note = other.querySelector(".saving");
      if (note) {
        note.textContent = "正在先保存本页填写的数据……";
      }
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(data),
        credentials: "same-origin",
      }).then(function (response) {
        dirty = false;
        if (response.ok) {
          other.submit();
        } else {
          form.submit();
        }
      }, function () {
        if (note) {
          note.textContent = "保存失败：网络不通，请稍后再试。";
        }
      });
    });
  });
})();
