/*
 * The widget's only knowledge of the chat API (bot/chat/router.py; message fields: bot/reply.py).
 * Messages arrive on one resumable stream of Server-Sent Events: each exactly once, in order,
 * and after a reconnect from the last one seen (the browser sends Last-Event-ID). Sending a
 * message only acknowledges it; its replies come on the stream.
 */
function createApi(base, errorText) {
  "use strict";
  var LANGUAGES = ["de", "en", "tr", "uk", "ar", "pl", "ru", "ro", "de-x-ls"];  // retrieval/languages.py
  function call(method, path, body) {
    return fetch(base + path, {
      method: method, credentials: "omit", headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      if (response.status === 204) { return null; }
      return response.json().then(function (json) {
        if (!response.ok) { var err = new Error(json.detail || errorText); err.status = response.status; throw err; }
        return json;
      });
    });
  }
  function conversation(id) { return "/api/chat/conversations/" + encodeURIComponent(id); }

  return {
    /** A new conversation; resolves to its id. */
    start: function () {
      return call("POST", "/api/chat/conversations").then(function (json) { return json.conversation_id; });
    },
    /**
     * Send a text (or a button's payload with its label); resolves to {seq, status}. ``lang``, the
     * widget's language, is the first guess at the citizen's language (the service detects it).
     */
    send: function (id, text, label, lang) {
      var body = { text: text };
      if (label) { body.label = label; }
      var base = (lang || "").split("-")[0];
      if (LANGUAGES.indexOf(lang) >= 0 || LANGUAGES.indexOf(base) >= 0) { body.lang = LANGUAGES.indexOf(lang) >= 0 ? lang : base; }
      return call("POST", conversation(id) + "/messages", body);
    },
    /** The citizen chose a language (menu or Leichte Sprache switch): the next replies use it. */
    chooseLanguage: function (id, lang) { return call("PUT", conversation(id) + "/language", { lang: lang }); },
    /** Messages after a sequence number; for browsers without EventSource. */
    history: function (id, after) { return call("GET", conversation(id) + "/messages?after=" + after); },
    feedback: function (id, seq, helpful) {
      return call("POST", conversation(id) + "/messages/" + seq + "/feedback", { helpful: helpful });
    },
    remove: function (id) { return call("DELETE", conversation(id)); },
    /**
     * The message stream from ``after`` on. handlers: message(m), status(s), deleted(), open(),
     * error(closed). Returns the EventSource (close() ends it), or null without EventSource.
     */
    stream: function (id, after, handlers) {
      if (!window.EventSource) { return null; }
      var source = new EventSource(base + conversation(id) + "/events?after=" + after);
      source.addEventListener("message", function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        handlers.message(message);
      });
      source.addEventListener("status", function (event) {
        try { handlers.status(JSON.parse(event.data).status); } catch (e) { /* ignore malformed */ }
      });
      source.addEventListener("deleted", function () { source.close(); handlers.deleted(); });
      source.addEventListener("open", function () { handlers.open(); });
      source.onerror = function () { handlers.error(source.readyState === EventSource.CLOSED); };
      return source;
    }
  };
}
