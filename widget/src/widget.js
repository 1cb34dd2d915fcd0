/*
 * Kommunalbot chat widget: the user interface. One <script src=".../widget/widget.js" data-…> tag
 * embeds it; the chat service serves this file together with api.js (its only knowledge of the
 * API) as that one script (bot/widget_asset.py). Shadow DOM (styles neither leak in nor out), no
 * cookies, no third-party requests: it only talks to the Kommunalbot API it was loaded from (or
 * data-api). All text is inserted with textContent; links are created only for URLs a message
 * carries as sources or links.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__kommunalbotWidget) { return; }
  window.__kommunalbotWidget = true;

  var data = script.dataset;
  var API = (data.api || new URL(script.src, location.href).origin).replace(/\/$/, "");
  var CONFIG = {
    // The city's own title and greeting are German; other languages use the widget's texts (i18n.js).
    title: data.title || "",
    greeting: data.greeting || "",
    color: data.color || "#00509e",
    logo: data.logo || "",
    position: data.position === "left" ? "left" : "right",
    privacyUrl: data.privacyUrl || "/datenschutz"
  };
  var STORE_KEY = "kommunalbot:" + API;
  var T, SENDER;
  function useLanguage(lang) {
    T = WIDGET_TEXTS[lang] || WIDGET_TEXTS.de;
    SENDER = { citizen: T.you, bot: T.bot, staff: T.staff, system: T.system };
  }

  // --- colours: keep text on the brand colour at >= 4.5:1 ---------------------------------
  function luminance(hex) {
    var m = /^#?([0-9a-f]{6})$/i.exec(hex);
    if (!m) { return 0.1; }
    var n = parseInt(m[1], 16);
    return [n >> 16, (n >> 8) & 255, n & 255].map(function (c) {
      c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }).reduce(function (sum, c, i) { return sum + c * [0.2126, 0.7152, 0.0722][i]; }, 0);
  }
  var brand = /^#[0-9a-f]{6}$/i.test(CONFIG.color) ? CONFIG.color : "#00509e";
  var onBrand = (1.05 / (luminance(brand) + 0.05)) >= 4.5 ? "#ffffff" : "#000000";

  var CSS = [
    ":host{all:initial}",
    "[hidden]{display:none!important}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".kb{position:fixed;bottom:16px;" + CONFIG.position + ":16px;z-index:2147483000;font-size:16px;line-height:1.5;color:#1a1a1a}",
    "button{font:inherit;cursor:pointer}",
    ":focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".launcher{display:flex;align-items:center;gap:8px;border:0;border-radius:28px;padding:12px 20px;background:var(--brand);color:var(--on-brand);box-shadow:0 2px 8px rgba(0,0,0,.3);min-height:48px}",
    ".launcher img{width:24px;height:24px}",
    ".dialog{display:flex;flex-direction:column;width:min(380px,calc(100vw - 32px));height:min(600px,calc(100vh - 32px));background:#fff;border:1px solid #767676;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.3);overflow:hidden}",
    ".dialog[hidden],.launcher[hidden]{display:none}",
    "header{display:flex;align-items:center;gap:8px;padding:10px 12px;background:var(--brand);color:var(--on-brand)}",
    "header h2{flex:1;margin:0;font-size:1.05em}",
    "header img{width:28px;height:28px}",
    "header button{background:transparent;color:var(--on-brand);border:2px solid transparent;border-radius:6px;padding:4px 8px;min-height:44px;min-width:44px}",
    ".notice{margin:0;padding:6px 12px;font-size:.85em;background:#f2f4f7;color:#1a1a1a}",
    ".notice a{color:#00417f}",
    ".log{flex:1;overflow-y:auto;margin:0;padding:12px;list-style:none;display:flex;flex-direction:column;gap:8px}",
    ".msg{max-width:88%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".msg.citizen{align-self:flex-end;background:var(--brand);color:var(--on-brand)}",
    ".msg.bot,.msg.staff{align-self:flex-start;background:#f2f4f7}",
    ".msg.staff{border-left:4px solid #1b5e20}",
    ".msg.system{align-self:center;background:#fff8e1;font-size:.9em;border:1px solid #8a6d00}",
    ".who{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    ".links{margin:6px 0 0;padding:0;list-style:none;font-size:.9em}",
    ".links a{color:#00417f}",
    ".choices{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}",
    ".choices button,.feedback button,.footer button{background:#fff;color:#00417f;border:2px solid #00417f;border-radius:16px;padding:6px 12px;min-height:36px}",
    ".choices button{text-align:start}.choice-title{display:block;font-weight:600}.choice-summary{display:block;font-size:.875em;color:#1f2937}",
    ".feedback{display:flex;gap:6px;margin-top:6px}",
    ".typing{padding:0 12px 6px;font-size:.9em;color:#4a4a4a}",
    ".status{padding:6px 12px;background:#fdecea;color:#7a0010;font-size:.9em;display:flex;gap:8px;align-items:center;flex-wrap:wrap}",
    "form{display:flex;gap:6px;padding:8px;border-top:1px solid #767676}",
    "form input{flex:1;min-width:0;font:inherit;padding:10px;border:2px solid #767676;border-radius:8px;color:#1a1a1a}",
    "form button{border:0;border-radius:8px;padding:10px 14px;background:var(--brand);color:var(--on-brand);min-height:44px}",
    ".footer{display:flex;justify-content:flex-end;padding:0 8px 8px}",
    ".languages{display:flex;gap:6px;align-items:center;flex-wrap:wrap;padding:6px 12px;font-size:.9em;border-bottom:1px solid #d0d5dd}",
    ".languages select{font:inherit;padding:4px;border:2px solid #767676;border-radius:6px;min-height:36px;color:#1a1a1a;background:#fff}",
    ".languages .easy{background:#fff;color:#00417f;border:2px solid #00417f;border-radius:16px;padding:4px 10px;min-height:36px}",
    ".languages .easy[aria-pressed=true]{background:#00417f;color:#fff}",

    "bdi.digits{white-space:nowrap}",  // a phone number or a time span is not broken across lines
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:400px){.kb{" + CONFIG.position + ":8px;bottom:8px}.dialog{width:calc(100vw - 16px);height:calc(100vh - 16px)}}",
    "@media (prefers-reduced-motion:no-preference){.dialog{animation:kb-in .15s ease-out}@keyframes kb-in{from{opacity:0;transform:translateY(8px)}to{opacity:1;transform:none}}}"
  ].join("");

  // --- DOM helpers ---------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key.slice(0, 2) === "on") { node.addEventListener(key.slice(2), attrs[key]); }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }
  function safeUrl(value) {
    if (!value || typeof value !== "string") { return null; }
    try {
      var url = new URL(value, location.href);
      return (url.protocol === "https:" || url.protocol === "http:") ? url.href : null;
    } catch (e) { return null; }
  }
  function formatDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? m[3] + "." + m[2] + "." + m[1] : "";
  }

  // --- state ---------------------------------------------------------------------------------
  // lang: the interface's language; chosen: the citizen picked it (menu or Leichte Sprache switch),
  // so it no longer follows the language the service detects in their messages.
  var state = { id: null, lastSeq: 0, open: false, messages: [], status: "bot", rated: {}, lang: null, chosen: false };
  try { Object.assign(state, JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}")); } catch (e) { /* fresh start */ }
  if (!state.lang) { state.lang = widgetLanguage(data.lang, navigator.languages || [navigator.language]); }
  useLanguage(state.lang);
  function save() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify({ id: state.id, lastSeq: state.lastSeq, open: state.open,
        messages: state.messages.slice(-100), status: state.status, rated: state.rated, lang: state.lang,
        chosen: state.chosen }));
    } catch (e) { /* storage full or disabled: the chat still works */ }
  }

  // --- API (api.js) ---------------------------------------------------------------------------
  var api = createApi(API, T.error);
  function ensureConversation() {
    if (state.id) { return Promise.resolve(state.id); }
    return api.start().then(function (id) {
      state.id = id; save(); connect();
      // A language chosen before the first message holds for the conversation's first reply.
      return state.chosen ? api.chooseLanguage(id, state.lang).then(function () { return id; }) : id;
    });
  }

  // --- UI ------------------------------------------------------------------------------------
  var host = el("div", { "data-kommunalbot": "" });
  var root = host.attachShadow({ mode: "open" });
  // Constructable stylesheets and CSSOM are not "inline" for a Content-Security-Policy.
  if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", { text: CSS }));
  }
  var wrap = el("div", { "class": "kb" });
  wrap.style.setProperty("--brand", brand);
  wrap.style.setProperty("--on-brand", onBrand);
  root.appendChild(wrap);
  var logo = safeUrl(CONFIG.logo);
  var privacy = safeUrl(CONFIG.privacyUrl);
  var launcher, log, live, typing, statusBar, input, dialog, languageMenu, easySwitch;

  /** The interface in the current language; built again when the citizen switches language. */
  function buildUi() {
    var title = state.lang === "de" && CONFIG.title || T.title;
    wrap.textContent = "";
    wrap.setAttribute("lang", state.lang);
    wrap.setAttribute("dir", RIGHT_TO_LEFT.indexOf(state.lang) >= 0 ? "rtl" : "ltr");
    launcher = el("button", { "class": "launcher", type: "button", "aria-expanded": "false", "aria-controls": "kb-dialog",
      onclick: function () { setOpen(true); } }, [logo ? el("img", { src: logo, alt: "" }) : null, el("span", { text: title })]);
    log = el("ol", { "class": "log", id: "kb-log", "aria-label": T.log, tabindex: "0" });
    live = el("div", { "class": "sr", "aria-live": "polite", "aria-atomic": "false", id: "kb-live" });
    typing = el("p", { "class": "typing", hidden: "", text: T.typing });
    statusBar = el("div", { "class": "status", role: "alert", hidden: "" });
    input = el("input", { id: "kb-input", type: "text", maxlength: "1000", autocomplete: "off", placeholder: T.placeholder });
    var form = el("form", { onsubmit: function (event) { event.preventDefault(); sendText(input.value); } },
      [el("label", { "for": "kb-input", "class": "sr", text: T.input }), input,
       el("button", { type: "submit", text: T.send })]);
    var closeButton = el("button", { type: "button", "aria-label": T.close, text: "✕", onclick: function () { setOpen(false); } });
    var base = state.lang === EASY_GERMAN ? "de" : state.lang;
    languageMenu = el("select", { id: "kb-language", onchange: function () { chooseLanguage(languageMenu.value); } },
      WIDGET_LANGUAGES.map(function (code) {
        var option = el("option", { value: code, lang: code, text: LANGUAGE_NAMES[code] });
        if (code === base) { option.setAttribute("selected", ""); }
        return option;
      }));
    // Leichte Sprache is a way of writing German: a switch beside the menu, shown for German.
    easySwitch = el("button", { type: "button", "class": "easy", lang: "de", "aria-pressed": String(state.lang === EASY_GERMAN),
      text: WIDGET_TEXTS.de.easy, onclick: function () { chooseLanguage(state.lang === EASY_GERMAN ? "de" : EASY_GERMAN); } });
    easySwitch.hidden = base !== "de";
    dialog = el("section", { "class": "dialog", id: "kb-dialog", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "kb-title", hidden: "" }, [
      el("header", {}, [logo ? el("img", { src: logo, alt: "" }) : null, el("h2", { id: "kb-title", text: title }), closeButton]),
      el("div", { "class": "languages" }, [el("label", { "for": "kb-language", text: T.language }), languageMenu, easySwitch]),
      el("p", { "class": "notice" }, [document.createTextNode(T.disclosure),
        privacy ? el("a", { href: privacy, target: "_blank", rel: "noopener noreferrer", text: T.privacy }) : null]),
      statusBar, log, typing, form,
      el("div", { "class": "footer" }, [el("button", { type: "button", text: T.clear, onclick: clearChat })]),
      live
    ]);
    dialog.addEventListener("keydown", function (event) { if (event.key === "Escape") { setOpen(false); } });
    wrap.appendChild(launcher);
    wrap.appendChild(dialog);
  }

  /** The citizen picked a language: the interface switches, the conversation stays. */
  function chooseLanguage(lang) {
    var focused = lang === EASY_GERMAN || state.lang === EASY_GERMAN && lang === "de" ? "easy" : "menu";
    state.lang = lang; state.chosen = true; save();
    useLanguage(lang);
    buildUi();
    dialog.hidden = !state.open; launcher.hidden = state.open;
    launcher.setAttribute("aria-expanded", String(state.open));
    renderAll();
    (focused === "easy" ? easySwitch : languageMenu).focus();
    if (state.id) { api.chooseLanguage(state.id, lang).catch(function () { /* the next message carries it too */ }); }
  }

  /** A reply in another language than the interface's: follow the citizen, unless they chose. Only
   *  a turn's first reply counts: a page that exists only in German comes after a sentence in the
   *  citizen's language and must not switch the interface to German. */
  function followLanguage(m) {
    var previous = state.messages[state.messages.length - 2];
    if (previous && previous.sender === "bot") { return; }
    var lang = m.lang === EASY_GERMAN ? m.lang : (m.lang || "").split("-")[0];
    if (state.chosen || m.sender !== "bot" || !lang || lang === state.lang || !WIDGET_TEXTS[lang]) { return; }
    if (lang === "de" && state.lang === EASY_GERMAN) { return; }  // a German page's text inside Leichte Sprache
    state.lang = lang; save();
    useLanguage(lang);
    var typed = input.value;
    buildUi();
    dialog.hidden = !state.open; launcher.hidden = state.open;
    launcher.setAttribute("aria-expanded", String(state.open));
    input.value = typed;
    if (state.open) { input.focus(); }
  }
  buildUi();

  function setOpen(open) {
    var started = performance.now();
    state.open = open; save();
    dialog.hidden = !open; launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!log.childElementCount) { renderAll(); }
      input.focus();
      host.setAttribute("data-open-ms", String(Math.round(performance.now() - started)));
    } else {
      launcher.focus();
    }
  }

  function announce(text) {
    var item = el("p", { text: text });
    live.appendChild(item);
    setTimeout(function () { if (item.parentNode) { item.parentNode.removeChild(item); } }, 8000);
  }

  // Phone numbers, times ("08:30–12:00"), e-mail and web addresses in right-to-left text: the bidi
  // algorithm would show "5678-100 01234" and "12:00–08:30"; each is isolated, left to right.
  var LEFT_TO_RIGHT_RUN = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?:\/\/[^\s)]+|\+?\d[\d .:\/()\u2013-]*\d/g;
  function appendIsolated(parent, text) {
    var at = 0;
    text.replace(LEFT_TO_RIGHT_RUN, function (run, offset) {
      parent.appendChild(document.createTextNode(text.slice(at, offset)));
      parent.appendChild(el("bdi", { dir: "ltr", "class": /^[+\d]/.test(run) ? "digits" : "", text: run }));
      at = offset + run.length;
      return run;
    });
    parent.appendChild(document.createTextNode(text.slice(at)));
  }

  /** ``next``: the message after ``m``; an answer followed by another answer of its turn (the
   *  "only in German" sentence before the German page) gets no feedback buttons of its own. */
  function messageNode(m, next) {
    var item = el("li", { "class": "msg " + m.sender, "data-seq": String(m.seq || "") });
    item.appendChild(el("span", { "class": "who", text: (SENDER[m.sender] || m.sender) + ": " }));
    // The message's language, so that screen readers pronounce it right (a German page's answer
    // inside an English conversation is marked "de").
    var rtl = RIGHT_TO_LEFT.indexOf(m.lang) >= 0;
    var body = el("span", m.lang ? { lang: m.lang, dir: rtl ? "rtl" : "auto" } : {});
    (m.text || "").split("**").forEach(function (part, i) {  // **bold** from the answer texts
      var node = i % 2 ? el("strong") : body;
      if (rtl) { appendIsolated(node, part); } else { node.appendChild(document.createTextNode(part)); }
      if (node !== body) { body.appendChild(node); }
    });
    item.appendChild(body);
    var links = [];
    (m.sources || []).forEach(function (src) {
      var url = safeUrl(src.url);
      if (url) {
        var label = T.source + ": " + (src.title || url) + (src.date ? " (" + T.updated + " " + formatDate(src.date) + ")" : "");
        links.push(el("li", {}, [el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: label })]));
      }
    });
    var LINK_LABEL = { booking: T.booking, online: T.online, related: T.seeAlso };
    (m.links || []).forEach(function (link) {
      var url = safeUrl(link.url);
      var label = link.kind === "related" ? T.seeAlso + ": " + link.title : LINK_LABEL[link.kind];
      if (url && label) { links.push(el("li", {}, [el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: label })])); }
    });
    if (links.length) { item.appendChild(el("ul", { "class": "links" }, links)); }
    if (m.buttons && m.buttons.length && m.seq === state.lastSeq) {
      item.appendChild(el("div", { "class": "choices", role: "group", "aria-label": T.choices },
        m.buttons.map(function (b) {
          // Titles and summaries are the pages' own (German) words: their direction is their own.
          var parts = [el("span", { "class": "choice-title", dir: "auto", text: b.title })];
          if (b.summary) { parts.push(el("span", { "class": "choice-summary", dir: "auto", text: b.summary })); }
          return el("button", { type: "button", onclick: function () { sendText(b.payload, b.title); } }, parts);
        })));
    }
    var answerFollows = next && next.sender === "bot" && next.kind === "answer";
    if (m.sender === "bot" && m.kind === "answer" && m.seq && !answerFollows) {
      if (state.rated[m.seq]) {
        item.appendChild(el("p", { "class": "links", text: T.thanks }));
      } else {
        item.appendChild(el("div", { "class": "feedback", role: "group", "aria-label": T.wasHelpful }, [
          el("button", { type: "button", text: T.helpful, onclick: function () { rate(m.seq, true); } }),
          el("button", { type: "button", text: T.unhelpful, onclick: function () { rate(m.seq, false); } })
        ]));
      }
    }
    return item;
  }

  function renderAll() {
    log.textContent = "";
    var greeting = state.lang === "de" && CONFIG.greeting || T.greeting;
    log.appendChild(messageNode({ sender: "bot", text: greeting, lang: state.lang }));
    state.messages.forEach(function (m, i) { log.appendChild(messageNode(m, state.messages[i + 1])); });
    log.scrollTop = log.scrollHeight;
  }

  function addMessage(m) {
    if (m.seq && m.seq <= state.lastSeq) { return; }  // duplicates from resume are ignored
    if (m.seq) { state.lastSeq = m.seq; }
    state.messages.push(m);
    save();
    followLanguage(m);
    renderAll();
    if (m.sender !== "citizen") {
      // as shown: **bold** is drawn, not read out as stars
      announce((m.kind === "staff_joined" ? T.staffJoined : (SENDER[m.sender] || "") + ": " + (m.text || "").split("**").join("")));
    }
  }

  function setStatus(text, withRetry) {
    statusBar.textContent = "";
    if (!text) { statusBar.hidden = true; return; }
    statusBar.hidden = false;
    statusBar.appendChild(el("span", { text: text }));
    if (withRetry) { statusBar.appendChild(el("button", { type: "button", text: T.retry, onclick: function () { connect(); } })); }
  }

  function sendText(text, shown) {
    text = (text || "").trim();
    if (!text) { return; }
    input.value = "";
    typing.hidden = false;
    ensureConversation().then(function (id) {
      return api.send(id, text, shown, state.lang);
    }).then(function (ack) {
      setStatus("");
      state.status = ack.status; save();
      if (!source) { return catchUp(); }  // no stream (no EventSource): fetch the replies
    }).catch(function (err) {
      if (err.status === 404) { state.id = null; state.lastSeq = 0; save(); }
      setStatus(err.status ? err.message : T.offline, !err.status);
      input.value = shown ? "" : text;
    }).then(function () { typing.hidden = true; });
  }

  function catchUp() {
    return api.history(state.id, state.lastSeq).then(function (json) {
      json.messages.forEach(addMessage); state.status = json.status; save();
    });
  }

  function rate(seq, helpful) {
    state.rated[seq] = helpful ? "up" : "down"; save(); renderAll();
    api.feedback(state.id, seq, helpful).catch(function () { /* feedback is best effort */ });
  }

  function clearChat() {
    if (!window.confirm(T.clearConfirm)) { return; }
    var id = state.id;
    if (source) { source.close(); source = null; }
    state = { id: null, lastSeq: 0, open: true, messages: [], status: "bot", rated: {}, lang: state.lang, chosen: state.chosen };
    save(); renderAll(); announce(T.cleared);
    if (id) { api.remove(id).catch(function () { /* already gone */ }); }
    input.focus();
  }

  // --- real time: the one message stream, resumed by the browser after a drop -----------------
  var source = null;
  function connect() {
    if (!state.id) { return; }
    if (source) { source.close(); }
    source = api.stream(state.id, state.lastSeq, {
      message: addMessage,
      status: function (status) { state.status = status; save(); },
      open: function () { setStatus(""); },
      deleted: function () { source = null; },
      error: function (closed) {
        setStatus(T.offline, true);
        if (closed) { source = null; setTimeout(connect, 5000); }
      }
    });
  }

  document.body.appendChild(host);
  if (state.id) { connect(); }
  if (state.open) { setOpen(true); }
}());
