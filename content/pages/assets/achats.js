// Achats durables: copy a clause's text, filter the clause finder, search the site.
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

  document.querySelectorAll("form[data-filtres]").forEach(setUpFinder);
  document.querySelectorAll("[data-achats-recherche]").forEach(setUpHeaderSearch);
});

// ---------------------------------------------------------------------------------------
// Search (Pagefind). The index lives in <site>/pagefind/, written after the build; pages
// reach it through their relative path to the site root (data-racine). Pagefind fetches its
// files, which browsers refuse under file://: there, the header search explains why, and
// the clause finder falls back to filtering titles and IDs.

function siteRoot(relative) {
  return new URL(relative || "./", document.baseURI);
}

function searchAvailable() {
  return window.location.protocol === "http:" || window.location.protocol === "https:";
}

var pagefindLoads = {};

// A large site is indexed in parts, side by side (pagefind/, pagefind-2/): the first part's
// entry file lists the others ("achats_parties"), which searches merge. Their URLs.
function indexParts(bundle) {
  return fetch(bundle + "pagefind-entry.json").then(function (response) {
    return response.ok ? response.json() : {};
  }).then(function (entry) {
    return (entry.achats_parties || []).map(function (part) {
      return new URL(part, bundle).href;
    });
  }, function () { return []; });
}

// The Pagefind search API (pagefind.js), loaded once per page, with every part merged.
function loadPagefind(root) {
  var bundle = new URL("pagefind/", root).href;
  if (!pagefindLoads[bundle]) {
    pagefindLoads[bundle] = import(bundle + "pagefind.js").then(function (pagefind) {
      return pagefind.options({ baseUrl: root.pathname }).then(function () {
        return pagefind.init();
      }).then(function () {
        return indexParts(bundle);
      }).then(function (parts) {
        return Promise.all(parts.map(function (part) {
          return pagefind.mergeIndex(new URL(part).pathname, { baseUrl: root.pathname });
        }));
      }).then(function () { return pagefind; });
    });
  }
  return pagefindLoads[bundle];
}

function loadFile(tag, attributes) {
  return new Promise(function (resolve, reject) {
    var element = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { element[name] = attributes[name]; });
    element.onload = function () { resolve(element); };
    element.onerror = function () { reject(new Error("chargement impossible")); };
    document.head.appendChild(element);
  });
}

// The header's search button opens Pagefind UI in a modal dialog (loaded at first use).
function setUpHeaderSearch(box) {
  // Found by its class: Zensical's theme script removes the button's aria-controls and
  // aria-haspopup (site built from `achats export`), put back here.
  var button = box.querySelector(".achats-recherche__bouton");
  var dialog = box.querySelector("dialog");
  var message = box.querySelector("[data-message]");
  if (!button || !dialog || typeof dialog.showModal !== "function") return;
  button.setAttribute("aria-haspopup", "dialog");
  button.setAttribute("aria-controls", dialog.id);
  var root = siteRoot(box.dataset.racine);
  var started = false;
  var say = function (text) {
    message.textContent = text;
    message.hidden = false;
  };
  var start = function () {
    started = true;
    if (!searchAvailable()) {
      say("La recherche fonctionne quand le site est servi par un serveur web ; elle ne "
        + "fonctionne pas en ouvrant les fichiers directement depuis le disque.");
      return;
    }
    var bundle = new URL("pagefind/", root).href;
    loadFile("link", { rel: "stylesheet", href: bundle + "pagefind-ui.css" }).catch(function () {});
    loadFile("script", { src: bundle + "pagefind-ui.js" }).then(function () {
      return indexParts(bundle);
    }).then(function (parts) {
      new window.PagefindUI({
        element: "#" + box.querySelector("[data-ui]").id,
        bundlePath: new URL(bundle).pathname,
        baseUrl: root.pathname,
        mergeIndex: parts.map(function (part) {
          return { bundlePath: new URL(part).pathname, baseUrl: root.pathname };
        }),
        showSubResults: true,
        showImages: false,
        autofocus: true,
        resetStyles: false
      });
    }, function () {
      say("L'index de recherche est introuvable : le site a été construit sans lui "
        + "(extra.recherche: false) ou il n'est pas publié avec le site.");
    });
  };
  var open = function () {
    dialog.showModal();
    if (!started) {
      start();
    } else {
      var input = dialog.querySelector("input");
      if (input) input.focus();
    }
  };
  button.hidden = false;
  button.addEventListener("click", open);
  dialog.querySelector("[data-fermer]").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) dialog.close();  // a click on the backdrop
  });
  dialog.addEventListener("close", function () { button.focus(); });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || dialog.open) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    event.preventDefault();
    open();
  });
}

// "Trouver une clause": select filters on the list's data attributes (no index needed), and
// a text field: full text through Pagefind (clause pages, same filters) when the index loads,
// titles and IDs of the list otherwise.
function setUpFinder(form) {
  var name = form.dataset.filtres;
  var list = document.querySelector('[data-resultats="' + name + '"]');
  var ranked = document.querySelector('[data-resultats-texte="' + name + '"]');
  var more = document.querySelector('[data-plus="' + name + '"]');
  var counter = document.querySelector('[data-compteur="' + name + '"]');
  var text = form.querySelector("[data-texte]");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filtre]"));
  if (!list) return;
  var root = siteRoot(form.dataset.racine);
  var pagefind = null;  // a promise, once a full-text search was asked for
  var fullText = searchAvailable();
  var generation = 0;
  var pending = [];
  var PAGE = 10;

  var plural = function (n) { return n + (n > 1 ? " clauses" : " clause"); };
  var datasetKey = function (field) {
    return field.replace(/_(\w)/g, function (m, c) { return c.toUpperCase(); });
  };
  var words = function () { return text ? text.value.trim() : ""; };

  var showList = function (visible) {
    list.hidden = !visible;
    if (ranked) ranked.hidden = visible;
    if (more) more.hidden = true;
  };

  selects.forEach(function (select) {
    Array.prototype.forEach.call(select.options, function (option) {
      option.dataset.initial = option.textContent;  // the counts over the whole library
    });
  });
  var resetCounts = function () {
    selects.forEach(function (select) {
      Array.prototype.forEach.call(select.options, function (option) {
        option.textContent = option.dataset.initial;
      });
    });
  };

  var filterList = function () {
    var query = words().toLowerCase();
    resetCounts();
    var shown = 0;
    list.querySelectorAll("li").forEach(function (item) {
      var ok = selects.every(function (select) {
        if (!select.value) return true;
        var values = (item.dataset[datasetKey(select.dataset.filtre)] || "").split(" ");
        return values.indexOf(select.value) >= 0;
      });
      if (ok && query) ok = item.textContent.toLowerCase().indexOf(query) >= 0;
      item.hidden = !ok;
      if (ok) shown += 1;
    });
    showList(true);
    if (counter) {
      counter.textContent = plural(shown) + (query ? " (recherche dans les titres et "
        + "identifiants : l'index de recherche n'est pas disponible ici)" : "");
    }
  };

  var pagefindFilters = function () {
    var filters = {};
    if (form.dataset.fiche) filters.fiche = form.dataset.fiche;
    selects.forEach(function (select) {
      var option = select.options[select.selectedIndex];
      if (select.value && option) filters[select.dataset.pagefindFiltre] = option.dataset.libelle;
    });
    return filters;
  };

  var renderResult = function (data) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = data.url;
    var code = document.createElement("code");
    code.textContent = (data.meta && data.meta.identifiant) || "";
    link.appendChild(code);
    link.appendChild(document.createTextNode(" " + ((data.meta && data.meta.title) || data.url)));
    item.appendChild(link);
    var excerpt = document.createElement("p");
    excerpt.className = "achats-extrait";
    excerpt.innerHTML = data.excerpt;  // Pagefind's excerpt: escaped text with <mark> tags
    item.appendChild(excerpt);
    return item;
  };

  var showMore = function (current) {
    var batch = pending.splice(0, PAGE);
    return Promise.all(batch.map(function (result) { return result.data(); })).then(function (all) {
      if (current !== generation) return;
      all.forEach(function (data) { ranked.appendChild(renderResult(data)); });
      if (more) more.hidden = pending.length === 0;
    });
  };

  var updateCounts = function (counts) {
    selects.forEach(function (select) {
      var values = counts[select.dataset.pagefindFiltre] || {};
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        option.textContent = option.dataset.libelle + " (" + (values[option.dataset.libelle] || 0) + ")";
      });
    });
  };

  var searchText = function () {
    var current = ++generation;
    if (!pagefind) pagefind = loadPagefind(root);
    if (counter) counter.textContent = "Recherche…";
    pagefind.then(function (api) {
      return api.search(words(), { filters: pagefindFilters() });
    }).then(function (search) {
      if (current !== generation || !search) return;
      showList(false);
      ranked.innerHTML = "";
      pending = search.results.slice();
      updateCounts(search.filters || {});
      if (counter) counter.textContent = plural(search.results.length) + " pour « " + words() + " »";
      return showMore(current);
    }).catch(function () {
      if (current !== generation) return;
      fullText = false;  // no index here: titles and IDs only, from now on
      filterList();
    });
  };

  var apply = function () {
    if (words() && fullText && ranked) {
      searchText();
    } else {
      generation += 1;
      filterList();
    }
  };

  var timer = null;
  form.addEventListener("change", apply);
  if (text) {
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, 250);
    });
  }
  if (more) more.addEventListener("click", function () { showMore(generation); });
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
}
