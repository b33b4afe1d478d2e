/* cxpulse survey widget. Embed with:
 *   <script src="https://cxpulse.example/widget.js" data-site="shop" async></script>
 * It asks cxpulse whether a survey should show on this page, shows it as a pop-up after the
 * survey's delay, and posts the answers back. No dependencies; survey text is only ever set
 * with textContent (never parsed as HTML). Optional attributes: data-lang (else <html lang>);
 * data-customer and data-signature (the logged-in customer's id and its HMAC-SHA256 with the
 * key of `cxpulse surveys widget-key`, computed on your server): the survey then counts in
 * that customer's one budget across email and the widget. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.cxpulseWidget) return;
  var base = new URL(script.src, location.href).origin;
  var site = script.getAttribute("data-site") || "default";
  var L = {
    en: { send: "Send", close: "Close", thanks: "Thank you!", why: "What is the main reason for your score?", error: "Sorry, your answer could not be saved." },
    fr: { send: "Envoyer", close: "Fermer", thanks: "Merci !", why: "Quelle est la raison principale de votre note ?", error: "Désolé, votre réponse n'a pas pu être enregistrée." }
  };

  // one anonymous id per browser and site, so the fatigue budget applies to the visitor
  function visitorId() {
    var key = "cxpulse_visitor_" + site;
    var id = null;
    try { id = localStorage.getItem(key); } catch (e) { /* storage blocked: a new id per page */ }
    if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      try { localStorage.setItem(key, id); } catch (e) { /* ignored */ }
    }
    return id;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function style(node, css) { Object.keys(css).forEach(function (k) { node.style[k] = css[k]; }); return node; }

  function post(offer, answers) {
    return fetch(base + "/public/widget/answer", {
      method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: offer.token, answers: answers })
    }).then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); });
  }

  function followUp(q, score) {
    for (var i = 0; i < (q.follow_up || []).length; i++) {
      var f = q.follow_up[i];
      if (f.scores[0] <= score && score <= f.scores[1]) return f.text;
    }
    return null;
  }

  function show(offer) {
    var t = L[offer.language] || L.en;
    var box = style(el("div", { id: "cxpulse-widget", role: "dialog", "aria-live": "polite", "data-survey": offer.survey }), {
      position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483000", width: "340px", maxWidth: "calc(100vw - 32px)",
      background: "#fff", color: "#1d2433", border: "1px solid #dfe3ea", borderRadius: "8px", padding: "14px",
      boxShadow: "0 6px 24px rgba(0,0,0,.15)", font: "14px/1.4 system-ui, sans-serif"
    });
    var close = style(el("button", { type: "button", "aria-label": t.close, "data-cx": "close" }, "×"), {
      position: "absolute", right: "8px", top: "4px", border: "0", background: "none", fontSize: "20px", cursor: "pointer"
    });
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(close);
    if (offer.intro) box.appendChild(el("p", { "data-cx": "intro" }, offer.intro));
    var answers = {};
    var status = el("p", { "data-cx": "status" });

    offer.questions.forEach(function (q) {
      var part = el("div", { "data-question": q.id, "data-type": q.type });
      part.appendChild(style(el("p", { "data-cx": "text" }, q.text), { fontWeight: "600", margin: "0 24px 8px 0" }));
      var note = el("textarea", { rows: "2", "data-cx": "comment", maxlength: "10000" });
      style(note, { width: "100%", boxSizing: "border-box", marginTop: "6px" });
      var label = el("label", { "data-cx": "follow-up" });
      if (q.scale) {
        var row = style(el("div", { "data-cx": "scale" }), { display: "flex", flexWrap: "wrap", gap: "4px" });
        for (var n = q.scale[0]; n <= q.scale[1]; n++) {
          (function (score) {
            var b = style(el("button", { type: "button", "data-score": String(score) }, score), {
              minWidth: "28px", padding: "4px", border: "1px solid #0d6efd", borderRadius: "4px", background: "#fff", color: "#0d6efd", cursor: "pointer"
            });
            b.addEventListener("click", function () {
              Array.prototype.forEach.call(row.children, function (c) { c.style.background = "#fff"; c.style.color = "#0d6efd"; });
              b.style.background = "#0d6efd"; b.style.color = "#fff";
              answers[q.id] = { score: score };
              // the score counts at once, even if the comment never follows
              post(offer, { [q.id]: { score: score } }).catch(function () { status.textContent = t.error; });
              label.textContent = followUp(q, score) || t.why;
              label.style.display = note.style.display = "block";
            });
            row.appendChild(b);
          })(n);
        }
        part.appendChild(row);
        label.style.display = note.style.display = "none";
        part.appendChild(label);
        part.appendChild(note);
      } else if (q.choices && q.choices.length) {
        q.choices.forEach(function (c) {
          var input = el("input", { type: q.type === "single_choice" ? "radio" : "checkbox", name: "cx-" + q.id, value: c });
          var l = el("label", { "data-cx": "choice" });
          l.appendChild(input);
          l.appendChild(document.createTextNode(" " + c));
          part.appendChild(style(l, { display: "block" }));
        });
      } else {
        part.appendChild(note);
      }
      part.getAnswer = function () {
        var a = answers[q.id] ? { score: answers[q.id].score } : {};
        if (note.value.trim()) a.comment = note.value.trim();
        var picked = Array.prototype.filter.call(part.querySelectorAll("input"), function (i) { return i.checked; })
          .map(function (i) { return i.value; });
        if (picked.length) a.choice = q.type === "single_choice" ? picked[0] : picked;
        return a;
      };
      style(part, { marginBottom: "10px" });
      box.appendChild(part);
    });

    var send = style(el("button", { type: "button", "data-cx": "send" }, t.send), {
      background: "#0d6efd", color: "#fff", border: "0", borderRadius: "4px", padding: "6px 14px", cursor: "pointer"
    });
    send.addEventListener("click", function () {
      var all = {};
      Array.prototype.forEach.call(box.querySelectorAll("[data-question]"), function (part) {
        var a = part.getAnswer();
        if (Object.keys(a).length) all[part.getAttribute("data-question")] = a;
      });
      if (!Object.keys(all).length) return;
      send.disabled = true;
      post(offer, all).then(function () {
        while (box.children.length > 1) box.removeChild(box.lastChild);
        box.appendChild(el("p", { "data-cx": "thanks" }, t.thanks));
        setTimeout(function () { box.remove(); }, 4000);
      }).catch(function () { status.textContent = t.error; send.disabled = false; });
    });
    box.appendChild(send);
    box.appendChild(status);
    document.body.appendChild(box);
  }

  function start() {
    var lang = script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "";
    var query = new URLSearchParams({ page: location.href, visitor: visitorId(), lang: lang });
    var customer = script.getAttribute("data-customer");
    if (customer) {
      query.set("customer", customer);
      query.set("signature", script.getAttribute("data-signature") || "");
    }
    fetch(base + "/public/widget/survey?" + query.toString(), { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        var offer = body && body.offer;
        if (!offer || !offer.token) return;
        setTimeout(function () { show(offer); }, Math.max(0, Number(offer.delay_seconds) || 0) * 1000);
      })
      .catch(function () { /* the site must never break because the survey could not load */ });
  }

  window.cxpulseWidget = { start: start };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
