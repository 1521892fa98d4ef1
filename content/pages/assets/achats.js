// Achats durables: copy a clause's text, filter the clause finder.
// Material's instant loading is off, so DOMContentLoaded is enough.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copier]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copier);
      if (!source) return;
      var text = source.innerText.trim();
      var done = function () {
        button.dataset.copie = "ok";
        button.textContent = "Texte copié";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
      } else {
        fallbackCopy(text);
        done();
      }
    });
  });

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    document.body.removeChild(area);
  }

  document.querySelectorAll("form[data-filtres]").forEach(function (form) {
    var name = form.dataset.filtres;
    var list = document.querySelector('[data-resultats="' + name + '"]');
    var counter = document.querySelector('[data-compteur="' + name + '"]');
    if (!list) return;
    var apply = function () {
      var selects = form.querySelectorAll("select[data-filtre]");
      var shown = 0;
      list.querySelectorAll("li").forEach(function (item) {
        var ok = true;
        selects.forEach(function (select) {
          if (!select.value) return;
          var values = (item.dataset[select.dataset.filtre.replace(/_(\w)/g, function (m, c) {
            return c.toUpperCase();
          })] || "").split(" ");
          if (values.indexOf(select.value) < 0) ok = false;
        });
        item.hidden = !ok;
        if (ok) shown += 1;
      });
      if (counter) counter.textContent = shown + (shown > 1 ? " clauses" : " clause");
    };
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  });
});
