// The « Historique » page (historique/?fiche=cl-003): loads the entry's versions
// (historique/<id>/versions.json, written at build time by achats.render.history) and compares
// any two of them in the browser: word-level difference of the body, field by field for the
// front matter. Everything from the data is written with textContent, never as HTML.
// The pair is kept in the address (?fiche=…&de=…&a=…, or &voir=… for one version): a permalink.
(function () {
  "use strict";

  var LIMIT = 250000;  // tokens × tokens compared word by word in one block (as achats/history.py)
  var TOKEN = /\s+|[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]/gu;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // Longest common subsequence of two lists, as [op, items] with op "=", "-" or "+";
  // null when the lists are too long to compare item by item.
  function compare(a, b) {
    var start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    var end = 0;
    while (end < a.length - start && end < b.length - start &&
           a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
    var x = a.slice(start, a.length - end), y = b.slice(start, b.length - end);
    var ops = [];
    if (start) ops.push(["=", a.slice(0, start)]);
    if ((x.length + 1) * (y.length + 1) > LIMIT) {
      if (x.length) ops.push(["-", x]);
      if (y.length) ops.push(["+", y]);
    } else {
      var n = x.length, m = y.length, i, j;
      var table = [];
      for (i = 0; i <= n; i++) table.push(new Uint32Array(m + 1));
      for (i = n - 1; i >= 0; i--) {
        for (j = m - 1; j >= 0; j--) {
          table[i][j] = x[i] === y[j] ? table[i + 1][j + 1] + 1
            : Math.max(table[i + 1][j], table[i][j + 1]);
        }
      }
      i = 0; j = 0;
      while (i < n || j < m) {
        if (i < n && j < m && x[i] === y[j]) { push(ops, "=", [x[i]]); i++; j++; }
        else if (i < n && (j === m || table[i + 1][j] >= table[i][j + 1])) { push(ops, "-", [x[i]]); i++; }
        else { push(ops, "+", [y[j]]); j++; }
      }
    }
    if (end) push(ops, "=", a.slice(a.length - end));
    return ops;
  }

  function push(ops, op, items) {
    var last = ops[ops.length - 1];
    if (last && last[0] === op) last[1] = last[1].concat(items);
    else ops.push([op, items]);
  }

  // Lines first, then the words of the lines that changed: near-linear on long texts.
  function wordDiff(before, after) {
    var lines = function (text) { return text ? text.match(/[^\n]*\n|[^\n]+$/g) || [] : []; };
    var out = [];
    var byLine = compare(lines(before), lines(after));
    for (var k = 0; k < byLine.length; k++) {
      var op = byLine[k][0], text = byLine[k][1].join("");
      if (op === "-" && byLine[k + 1] && byLine[k + 1][0] === "+") {
        var next = byLine[k + 1][1].join("");
        compare(text.match(TOKEN) || [], next.match(TOKEN) || []).forEach(function (part) {
          pushText(out, part[0], part[1].join(""));
        });
        k++;
      } else {
        pushText(out, op, text);
      }
    }
    return out;
  }

  function pushText(out, op, text) {
    if (!text) return;
    var last = out[out.length - 1];
    if (last && last[0] === op) last[1] += text;
    else out.push([op, text]);
  }

  function diffBlock(ops) {
    var block = el("div", null, "achats-diff");
    ops.forEach(function (part) {
      if (part[0] === "=") block.appendChild(document.createTextNode(part[1]));
      else block.appendChild(el(part[0] === "+" ? "ins" : "del", part[1]));
    });
    return block;
  }

  // The entry at version ``index`` (0 is the newest): each file as last changed up to it.
  function stateAt(versions, index) {
    var files = {}, order = [];
    for (var i = versions.length - 1; i >= index; i--) {
      versions[i].fichiers.forEach(function (file) {
        if (!(file.cle in files)) order.push(file.cle);
        files[file.cle] = file;
      });
    }
    return order.map(function (key) { return files[key]; })
      .filter(function (file) { return !file.absent; });
  }

  function label(version) {
    return version.rev + " du " + version.quand + " — " + version.message;
  }

  function setUp(root) {
    var status = root.querySelector("[data-historique-etat]");
    var trail = document.querySelector("[data-historique-fil]");
    var params = new URLSearchParams(window.location.search);
    var id = (params.get("fiche") || "").toLowerCase();
    if (!/^[a-z]{2}-\d{3,}$/.test(id)) {
      status.textContent = "Aucune fiche indiquée : ouvrez cette page depuis le lien « Voir " +
        "l'historique » d'une fiche.";
      return;
    }
    fetch(id + "/versions.json", { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { show(root, status, trail, data, params); })
      .catch(function () {
        status.textContent = "Historique introuvable pour la fiche « " + id.toUpperCase() +
          " » dans ce site.";
      });
  }

  function show(root, status, trail, data, params) {
    var versions = data.versions || [];
    var heading = document.querySelector(".md-content h1");
    var title = "Historique : " + data.titre + " (" + data.fiche + ")";
    if (heading) heading.textContent = title;
    document.title = title + " - " + document.title.split(" - ").slice(-1)[0];
    if (trail) {
      var home = el("a", "Accueil");
      home.href = "../";
      var entry = el("a", data.titre);
      entry.href = data.page;
      trail.appendChild(home);
      trail.appendChild(document.createTextNode(" › "));
      trail.appendChild(entry);
      trail.appendChild(document.createTextNode(" › Historique"));
    }
    status.textContent = versions.length + (versions.length > 1 ? " versions enregistrées" :
      " version enregistrée") + " dans git, de la plus récente à la plus ancienne.";
    var noScript = el("p");
    var back = el("a", "Revenir à la fiche");
    back.href = data.page;
    var plain = el("a", "dernières différences (page sans script)");
    plain.href = data.sans_script;
    noScript.appendChild(back);
    noScript.appendChild(document.createTextNode(" · "));
    noScript.appendChild(plain);
    root.appendChild(noScript);

    // The form: two versions and a button.
    var form = el("form", null, "achats-comparer");
    form.setAttribute("aria-label", "Comparer deux versions");
    var pick = function (name, text, chosen) {
      var wrap = el("label", text + " ");
      var select = el("select");
      select.name = name;
      versions.forEach(function (version, index) {
        var option = el("option", label(version));
        option.value = version.rev;
        if (index === chosen) option.selected = true;
        select.appendChild(option);
      });
      wrap.appendChild(select);
      form.appendChild(wrap);
      return select;
    };
    var indexOf = function (rev) {
      for (var i = 0; i < versions.length; i++) if (versions[i].rev === rev) return i;
      return -1;
    };
    var from = pick("de", "Version de départ", Math.min(1, versions.length - 1));
    var to = pick("a", "Version d'arrivée", 0);
    var go = el("button", "Comparer");
    go.type = "submit";
    go.className = "md-button md-button--primary";
    form.appendChild(go);

    var result = el("section", null, "achats-histoire-resultat");
    result.setAttribute("aria-live", "polite");
    result.setAttribute("aria-label", "Résultat");

    // The table of versions.
    var authors = versions.some(function (v) { return v.auteur; });
    var table = el("table");
    table.appendChild(el("caption", "Versions de la fiche " + data.fiche));
    var head = el("tr");
    ["Date"].concat(authors ? ["Auteur"] : [], ["Modification", "Fichiers", "Version"])
      .forEach(function (name) {
        var th = el("th", name);
        th.scope = "col";
        head.appendChild(th);
      });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    versions.forEach(function (version) {
      var row = el("tr");
      row.appendChild(el("td", version.quand));
      if (authors) row.appendChild(el("td", version.auteur || ""));
      var what = el("td", version.message);
      if (version.note) {
        what.appendChild(el("br"));
        what.appendChild(el("em", version.note, "achats-retrait"));
      }
      row.appendChild(what);
      row.appendChild(el("td", version.fichiers.map(function (f) { return f.nom; }).join(", ")));
      var cell = el("td");
      cell.appendChild(el("code", version.rev));
      cell.appendChild(document.createTextNode(" "));
      var see = el("button", "voir cette version", "achats-voir");
      see.type = "button";
      see.setAttribute("aria-label", "voir cette version (" + version.rev + ")");
      see.addEventListener("click", function () { route({ voir: version.rev }, true); });
      cell.appendChild(see);
      if (data.restaurer) {
        var restore = el("p", "restaurer cette version : ", "achats-restaurer");
        restore.appendChild(el("code", data.restaurer + " " + version.rev));
        cell.appendChild(restore);
      }
      row.appendChild(cell);
      body.appendChild(row);
    });
    table.appendChild(body);

    root.appendChild(el("h2", "Comparer deux versions"));
    if (versions.length > 1) root.appendChild(form);
    else root.appendChild(el("p", "Une seule version : rien à comparer."));
    root.appendChild(result);
    root.appendChild(el("h2", "Versions"));
    var scroll = el("div", null, "md-typeset__scrollwrap");
    scroll.appendChild(table);
    root.appendChild(scroll);

    route({ de: params.get("de"), a: params.get("a"), voir: params.get("voir") }, false);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      route({ de: from.value, a: to.value }, true);
    });

    function route(choice, remember) {
      var query = new URLSearchParams();
      query.set("fiche", data.fiche.toLowerCase());
      while (result.firstChild) result.removeChild(result.firstChild);
      if (choice.voir && indexOf(choice.voir) >= 0) {
        query.set("voir", choice.voir);
        showVersion(indexOf(choice.voir));
      } else if (versions.length > 1) {
        var a = indexOf(choice.de), b = indexOf(choice.a);
        if (a < 0) a = Math.min(1, versions.length - 1);
        if (b < 0) b = 0;
        from.value = versions[a].rev;
        to.value = versions[b].rev;
        query.set("de", versions[a].rev);
        query.set("a", versions[b].rev);
        showDiff(a, b);
      }
      if (remember) {
        window.history.replaceState(null, "", "?" + query.toString());
        var first = result.querySelector("h3");
        if (first) { first.tabIndex = -1; first.focus(); }
      }
    }

    function showVersion(index) {
      var version = versions[index];
      result.appendChild(el("h3", "Version " + label(version)));
      stateAt(versions, index).forEach(function (file) {
        result.appendChild(el("h4", file.nom));
        var names = Object.keys(file.champs || {});
        if (names.length) {
          var list = el("dl", null, "achats-champs");
          names.forEach(function (name) {
            list.appendChild(el("dt", name));
            list.appendChild(el("dd", file.champs[name]));
          });
          result.appendChild(list);
        }
        result.appendChild(el("div", file.texte, "achats-diff"));
      });
    }

    function showDiff(a, b) {
      result.appendChild(el("h3", "Différences de la version " + versions[a].rev + " (" +
        versions[a].quand + ") à la version " + versions[b].rev + " (" + versions[b].quand + ")"));
      result.appendChild(el("p", "Légende : les ajouts sont soulignés sur fond vert (« ajout »), " +
        "les suppressions barrées sur fond rouge (« suppression »).", "achats-legende"));
      var before = {}, after = stateAt(versions, b), keys = [];
      stateAt(versions, a).forEach(function (file) { before[file.cle] = file; keys.push(file.cle); });
      var now = {};
      after.forEach(function (file) { now[file.cle] = file; if (!(file.cle in before)) keys.push(file.cle); });
      var changed = false;
      keys.forEach(function (key) {
        var old = before[key], cur = now[key];
        var name = (cur || old).nom;
        if (!old || !cur) {
          changed = true;
          result.appendChild(el("h4", name));
          result.appendChild(el("p", cur ? "Fichier absent de la version de départ." :
            "Fichier absent de la version d'arrivée."));
          return;
        }
        var fields = fieldChanges(old.champs || {}, cur.champs || {});
        var text = wordDiff(old.texte || "", cur.texte || "");
        var textChanged = text.some(function (part) { return part[0] !== "="; });
        if (!fields.length && !textChanged) return;
        changed = true;
        result.appendChild(el("h4", name));
        if (fields.length) {
          result.appendChild(el("p", "Champs de l'en-tête", "achats-sous-titre"));
          var list = el("ul");
          fields.forEach(function (item) { list.appendChild(item); });
          result.appendChild(list);
        }
        if (textChanged) {
          result.appendChild(el("p", "Texte", "achats-sous-titre"));
          result.appendChild(diffBlock(text));
        }
      });
      if (!changed) result.appendChild(el("p", "Aucune différence de contenu entre ces deux versions."));
    }
  }

  function fieldChanges(old, cur) {
    var names = Object.keys(old).concat(Object.keys(cur).filter(function (k) { return !(k in old); }));
    var out = [];
    names.forEach(function (name) {
      var before = name in old ? old[name] : null, after = name in cur ? cur[name] : null;
      if (before === after) return;
      var item = el("li", "champ « " + name + " » ");
      if (name === "validation.signature") {
        // A signature is opaque: a word diff of its base64 says nothing to a reader.
        item.appendChild(document.createTextNode(
          before === null ? "ajouté (nouvelle signature)" :
          after === null ? "supprimé (plus de signature)" : "modifié (nouvelle signature)"));
        out.push(item);
        return;
      }
      if (before === null) {
        item.appendChild(document.createTextNode("ajouté : "));
        item.appendChild(el("ins", after));
      } else if (after === null) {
        item.appendChild(document.createTextNode("supprimé (valeur précédente : "));
        item.appendChild(el("del", before));
        item.appendChild(document.createTextNode(")"));
      } else {
        item.appendChild(document.createTextNode("modifié : "));
        item.appendChild(diffBlock(wordDiff(before, after)));
      }
      out.push(item);
    });
    return out;
  }

  function start() {
    var root = document.querySelector("[data-historique]");
    if (root && !root.dataset.pret) {
      root.dataset.pret = "oui";
      setUp(root);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
