/* « Achats durables » : what the editor adds to Decap CMS (served at /admin/ on the intranet).
 *
 * 1. A front-matter format that writes our YAML style and keeps every field the agent did
 *    not change byte for byte (a one-field edit is a one-field diff; `validation`, absent
 *    from the form, is kept as written).
 * 2. A preview that renders [[ID]] and [[ID|texte]] as links, like the site.
 * 3. French errors before saving for what the form cannot prevent (a value outside a
 *    vocabulary, an ID pattern), in addition to Decap's own required/pattern checks.
 *
 * Loaded after decap-cms.js and js-yaml.min.js (both copied from node_modules at build).
 */
(function () {
  'use strict';
  var CMS = window.CMS;
  var jsyaml = window.jsyaml;
  var FORMAT = 'achats-frontmatter';
  var ENTRY_MARK = '_fiche';  // same name in achats/site/editor/config.py
  // The front matter as read, kept in the entry's data (never written): a file without an
  // ID (a tender's piece) has no key in `originals`.
  var ORIGINAL = '_lu';
  var DATE_KEYS = { date: true, le: true };
  var PLAIN = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;
  var DATE = /^\d{4}-\d{2}-\d{2}$/;
  var RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;
  // Original top-level chunks of each entry read, by ID: { order: [...], chunks: {key: text} }.
  var originals = {};

  // ---- reading -------------------------------------------------------------------------
  function splitFile(content) {
    var text = String(content || '').replace(/\r\n/g, '\n');
    if (text.slice(0, 4) !== '---\n') return { front: '', body: text };
    var end = text.indexOf('\n---\n', 3);
    if (end === -1) {
      if (text.slice(-4) === '\n---') return { front: text.slice(4, -3), body: '' };
      return { front: '', body: text };
    }
    return { front: text.slice(4, end + 1), body: text.slice(end + 5) };
  }

  // Top-level keys start at column 0; indented lines, list items and comments follow them.
  function chunksOf(front) {
    var lines = front.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    var order = [], chunks = {}, current = null, head = '';
    lines.forEach(function (line) {
      var match = /^([A-Za-z_][A-Za-z0-9_]*)\s*:(\s|$)/.exec(line);
      if (match) {
        current = match[1];
        order.push(current);
        chunks[current] = head + line + '\n';
        head = '';
      } else if (current === null) {
        head += line + '\n';
      } else {
        chunks[current] += line + '\n';
      }
    });
    return { order: order, chunks: chunks, head: head };
  }

  function fromFile(content) {
    var parts = splitFile(content);
    var data = parts.front ? jsyaml.load(parts.front, { schema: jsyaml.CORE_SCHEMA }) : {};
    if (!data || typeof data !== 'object' || Array.isArray(data)) data = {};
    var kept = chunksOf(parts.front);
    kept.values = JSON.parse(JSON.stringify(data));
    if (typeof data.id === 'string') originals[data.id] = kept;
    var out = Object.assign({}, data);
    out.body = parts.body;
    // Marks an entry (it has an ID) for the filters of the `marche` and `piece` collections:
    // the pieces beside a tender's index.md (rc.md, ccap.md…) have none. Never written.
    out[ENTRY_MARK] = typeof data.id === 'string';
    out[ORIGINAL] = parts.front;
    return out;
  }

  // ---- writing -------------------------------------------------------------------------
  function isEmpty(value) {
    if (value === null || value === undefined || value === '') return true;
    if (Array.isArray(value)) return value.length === 0;
    if (typeof value === 'object') {
      return Object.keys(value).every(function (k) { return isEmpty(value[k]); });
    }
    return false;
  }

  // Empty strings, lists and objects the form leaves behind are not written (`le: ""`).
  function prune(value) {
    if (Array.isArray(value)) {
      return value.map(prune).filter(function (v) { return !isEmpty(v); });
    }
    if (value && typeof value === 'object') {
      var out = {};
      Object.keys(value).forEach(function (k) {
        var v = prune(value[k]);
        if (!isEmpty(v)) out[k] = v;
      });
      return out;
    }
    return value;
  }

  function same(a, b) {
    return JSON.stringify(prune(a)) === JSON.stringify(prune(b));
  }

  function scalar(value, key) {
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    var text = String(value);
    if (DATE.test(text)) return DATE_KEYS[key] ? text : JSON.stringify(text);
    if (PLAIN.test(text) && !RESERVED.test(text) && !/^[0-9.]/.test(text)) return text;
    return JSON.stringify(text);
  }

  function block(text, indent) {
    var chomp = text.slice(-1) === '\n' ? '|' : '|-';
    var lines = text.replace(/\n$/, '').split('\n');
    return chomp + '\n' + lines.map(function (l) {
      return l ? indent + l : '';
    }).join('\n') + '\n';
  }

  function isMultiline(value) {
    return typeof value === 'string' && value.indexOf('\n') !== -1;
  }

  // "key: value" (or "key:" + nested lines) at the given indentation.
  function emit(key, value, indent) {
    var pad = indent;
    if (Array.isArray(value)) {
      var flat = value.every(function (v) {
        return v === null || typeof v !== 'object';
      }) && !value.some(isMultiline);
      var flow = '[' + value.map(function (v) { return scalar(v, key); }).join(', ') + ']';
      if (flat && (pad + key + ': ' + flow).length <= 100) return pad + key + ': ' + flow + '\n';
      return pad + key + ':\n' + value.map(function (v) { return item(v, pad + '  '); }).join('');
    }
    if (value && typeof value === 'object') {
      return pad + key + ':\n' + Object.keys(value).map(function (k) {
        return emit(k, value[k], pad + '  ');
      }).join('');
    }
    if (isMultiline(value)) return pad + key + ': ' + block(value, pad + '  ');
    return pad + key + ': ' + scalar(value, key) + '\n';
  }

  function item(value, pad) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      var keys = Object.keys(value);
      return keys.map(function (k, i) {
        var line = emit(k, value[k], pad + '  ');
        return i === 0 ? pad + '- ' + line.slice(pad.length + 2) : line;
      }).join('');
    }
    if (isMultiline(value)) return pad + '- ' + block(value, pad + '    ');
    return pad + '- ' + scalar(value, '') + '\n';
  }

  function toFile(data, sortedKeys) {
    var values = Object.assign({}, data);
    var body = typeof values.body === 'string' ? values.body : '';
    delete values.body;
    delete values[ENTRY_MARK];
    var read = values[ORIGINAL];
    delete values[ORIGINAL];
    var kept = typeof values.id === 'string' ? originals[values.id] : undefined;
    if (!kept && typeof read === 'string' && read) {
      kept = chunksOf(read);
      kept.values = jsyaml.load(read, { schema: jsyaml.CORE_SCHEMA }) || {};
    }
    var order = [];
    (kept ? kept.order : []).concat(sortedKeys || [], Object.keys(values)).forEach(function (k) {
      if (k !== 'body' && k !== ENTRY_MARK && k !== ORIGINAL && order.indexOf(k) === -1) {
        order.push(k);
      }
    });
    var front = kept ? kept.head : '';
    order.forEach(function (key) {
      var value = values[key];
      if (kept && key in kept.chunks && same(kept.values[key], value)) {
        front += kept.chunks[key];  // untouched: byte for byte
      } else if (!isEmpty(prune(value))) {
        front += emit(key, prune(value), '');
      }
    });
    return '---\n' + front + '---\n' + body;
  }

  CMS.registerCustomFormat(FORMAT, 'md', { fromFile: fromFile, toFile: toFile });

  // ---- preview -------------------------------------------------------------------------
  var entries = {};  // ID -> {titre, url}, written at build time (fiches.json)
  fetch('fiches.json').then(function (r) { return r.json(); }).then(function (json) {
    entries = json;
  }).catch(function () { entries = {}; });

  var ID_LINK = /\[\[([A-Z]{2}-\d{3,})(?:\|([^\]\n]+))?\]\]/g;

  function mdText(text) { return String(text).replace(/([\\\[\]*_`<>])/g, '\\$1'); }

  // [[ID]] outside fenced code and inline code becomes a Markdown link to the site's page.
  function linkIds(body) {
    var fence = false;
    return String(body || '').split('\n').map(function (line) {
      if (/^\s*(```|~~~)/.test(line)) { fence = !fence; return line; }
      if (fence || line.indexOf('[[') === -1) return line;
      return line.split(/(`[^`]*`)/).map(function (part) {
        if (part.charAt(0) === '`') return part;
        return part.replace(ID_LINK, function (all, id, label) {
          var target = entries[id];
          if (!target) return '**' + mdText(all) + '** *(fiche inconnue)*';
          return '[' + mdText(label || target.titre) + '](../' + target.url + ')';
        });
      }).join('');
    }).join('\n');
  }

  var h = window.h, createClass = window.createClass;
  var Preview = createClass({
    render: function () {
      var props = this.props;
      var data = props.entry.get('data');
      var fields = props.fields;
      var bodyField = fields && fields.find(function (f) { return f.get('name') === 'body'; });
      var markdown = CMS.getWidget('markdown');
      var id = data.get('id') || '';
      return h('article', { className: 'achats-apercu' },
        h('p', { className: 'achats-apercu-id' }, id),
        h('h1', {}, data.get('titre') || ''),
        data.get('resume') ? h('p', {}, h('em', {}, data.get('resume'))) : null,
        h(markdown.preview, {
          value: linkIds(data.get('body')), field: bodyField, getAsset: props.getAsset,
          resolveWidget: CMS.resolveWidget,
        }));
    },
  });

  // ---- one-line text fields ------------------------------------------------------------
  // Decap's own string control (decap-cms-widget-string 3.x) remembers where the last
  // keystroke left the caret and puts it back at EVERY re-render, including those that only
  // restyle the field (focus, an error cleared or shown). A selection the agent has just
  // made then collapses before the next keystroke, and what is typed is inserted instead of
  // replacing it: "CL-9" selected, "CL-090" typed gave "CL-9CL-090" in Decap's store while
  // the agent believed the field held "CL-090"; the ID pattern then refused every save
  // (the flaky browser test; with Playwright's fill() it happened every time). This control
  // restores the caret only after the value itself changed (what the original guard is for:
  // React rewriting the value of a nested field), never over a selection made since.
  var StringControl = createClass({
    componentDidUpdate: function (previous) {
      var el = this.el;
      if (!el || previous.value === this.props.value || this.caret === undefined) return;
      if (document.activeElement === el && el.value === (this.props.value || '') &&
          el.selectionStart === el.selectionEnd && el.selectionStart !== this.caret) {
        el.setSelectionRange(this.caret, this.caret);
      }
    },
    handleChange: function (event) {
      this.caret = event.target.selectionStart;
      this.props.onChange(event.target.value);
    },
    render: function () {
      var self = this, props = this.props;
      return h('input', {
        ref: function (el) { self.el = el; },
        type: 'text', id: props.forID, className: props.classNameWrapper,
        value: props.value || '', onChange: this.handleChange,
        onFocus: props.setActiveStyle, onBlur: props.setInactiveStyle,
      });
    },
  });
  CMS.registerWidget('string', StringControl, CMS.getWidget('string').preview);

  // ---- French checks before saving -----------------------------------------------------
  function fieldErrors(fields, values, prefix, errors) {
    (fields || []).forEach(function (f) {
      var value = values ? values[f.name] : undefined;
      var label = prefix + f.name;
      if (f.widget === 'select' && !isEmpty(value)) {
        var allowed = f.options.map(function (o) { return o.value; });
        [].concat(value).forEach(function (v) {
          if (allowed.indexOf(v) === -1) {
            errors.push('« ' + label + ' » : valeur inconnue « ' + v + ' ». Valeurs permises : '
              + allowed.join(', ') + '.');
          }
        });
      }
      if (f.pattern && typeof value === 'string' && value &&
          !new RegExp(f.pattern[0]).test(value)) {
        errors.push('« ' + label + ' » : format incorrect « ' + value + ' » : ' + f.pattern[1]);
      }
      if (f.widget === 'object' && value && typeof value === 'object') {
        fieldErrors(f.fields, value, label + '.', errors);
      }
    });
  }

  function registerChecks(config) {
    var byName = {};
    config.collections.forEach(function (c) { byName[c.name] = c; });
    CMS.registerEventListener({
      name: 'preSave',
      handler: function (args) {
        var entry = args.entry;
        var collection = byName[entry.get('collection')];
        if (!collection) return undefined;
        var errors = [];
        fieldErrors(collection.fields, entry.get('data').toJS(), '', errors);
        if (errors.length) {
          var message = 'Fiche non enregistrée : ' + errors.join(' ');
          window.alert(message);
          throw new Error(message);
        }
        return undefined;
      },
    });
  }

  // ---- start ---------------------------------------------------------------------------
  fetch('config.json').then(function (r) { return r.json(); }).then(function (config) {
    config.collections.forEach(function (c) { CMS.registerPreviewTemplate(c.name, Preview); });
    CMS.registerPreviewStyle('apercu.css');
    registerChecks(config);
    CMS.init({ config: config });
  });

  window.achatsCms = { fromFile: fromFile, toFile: toFile, linkIds: linkIds };
})();
