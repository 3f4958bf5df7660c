// microbp lab: the page. It draws what the server computed (GET /api/state) and sends the
// learner's edits back (POST /api/set); it computes no gradient. Every text from data goes in
// with textContent, never as markup, so a label such as <script> shows as text.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var S = null; // the last state
  var options = null;
  var selected = null; // {l, i} or {l, i, j}
  var steps = null; // the backward stepper's steps
  var stepAt = 0;
  var intro = ""; // what the stepper says before the first step (from the server)
  var source = null; // the AbortController of the fetch that follows a run

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // Numbers: short in the picture, in full (the shortest text that reads back as the same
  // double) in the tables.
  function short(x) {
    if (x === null || x === undefined) { return "–"; }
    if (x === 0) { return "0"; }
    var a = Math.abs(x);
    return (a >= 1e4 || a < 1e-3) ? x.toExponential(3) : x.toPrecision(4);
  }
  function full(x) { return String(x); }

  var SUB = "₀₁₂₃₄₅₆₇₈₉", SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  function sub(n) { return String(n).replace(/[0-9]/g, function (d) { return SUB[+d]; }); }
  function sup(n) {
    return "⁽" + String(n).replace(/[0-9]/g, function (d) { return SUP[+d]; }) + "⁾";
  }
  function ij(i, j) { return i < 10 && j < 10 ? sub(i) + sub(j) : sub(i) + "," + sub(j); }

  function say(text, isError) {
    var m = $("message");
    m.textContent = text;
    m.className = isError ? "error" : "";
  }

  // ------------------------------------------------------------------------------------------
  // The API

  // The token: in the address once (#token=…, which no request carries), then kept in
  // sessionStorage, which only this origin (port included) can read; it goes out in the
  // X-Microbp-Token header of every API request. No cookie: cookies are shared by every port.
  var TOKEN_KEY = "microbp-lab-token";
  function takeToken() {
    var m = /(?:^[#?]|&)token=([^&]+)/.exec(location.hash) ||
            /(?:^[#?]|&)token=([^&]+)/.exec(location.search);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }
  var TOKEN = takeToken();

  function authorised(headers) {
    headers["X-Microbp-Token"] = TOKEN || "";
    return headers;
  }

  function api(method, path, body, raw) {
    var init = { method: method, headers: authorised({}), credentials: "omit" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = raw ? body : JSON.stringify(body);
    }
    return fetch(path, init).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) {
          var err = new Error(data.error || ("HTTP " + r.status));
          err.status = r.status;
          throw err;
        }
        return data;
      });
    });
  }

  function failed(err) { say(err.message, true); }

  function change(body, what) {
    return api("POST", "/api/set", body).then(function (state) {
      say(what, false);
      render(state);
    }, failed);
  }

  // ------------------------------------------------------------------------------------------
  // The network (the seed's Figure 1)

  var BOX_W = 124, BOX_H = 66, GAP_X = 300, PAD = 30;

  function layout(sizes) {
    var compact = Math.max.apply(null, sizes) > 8;
    var dy = compact ? 26 : 130;
    var tallest = Math.max.apply(null, sizes);
    var height = (tallest - 1) * dy + 2 * PAD + (compact ? 20 : BOX_H);
    var pos = {};
    sizes.forEach(function (n, k) {
      var l = k + 1;
      pos[l] = [];
      var top = (height - (n - 1) * dy) / 2;
      for (var i = 0; i < n; i++) {
        pos[l].push([PAD + BOX_W / 2 + k * GAP_X, top + i * dy]);
      }
    });
    return { pos: pos, compact: compact, width: (sizes.length - 1) * GAP_X + BOX_W + 2 * PAD + 60,
             height: height };
  }

  function drawNetwork(s) {
    var net = $("network");
    clear(net);
    var L = s.sizes.length;
    var lay = layout(s.sizes);
    var half = lay.compact ? 9 : BOX_W / 2;
    net.setAttribute("width", lay.width);
    net.setAttribute("height", lay.height);
    net.setAttribute("viewBox", "0 0 " + lay.width + " " + lay.height);
    var edges = svg("g", { id: "edges" });
    var labels = svg("g", { id: "edge-labels" });
    var neurons = svg("g", { id: "neurons" });
    net.appendChild(edges);
    net.appendChild(labels);
    net.appendChild(neurons);

    var biggest = 0;
    for (var l = 2; l <= L; l++) {
      s.dW[l].forEach(function (row) {
        row.forEach(function (g) { biggest = Math.max(biggest, Math.abs(g)); });
      });
    }
    for (l = 2; l <= L; l++) {
      var nEdges = s.sizes[l - 1] * s.sizes[l - 2];
      for (var i = 1; i <= s.sizes[l - 1]; i++) {
        for (var j = 1; j <= s.sizes[l - 2]; j++) {
          var p = lay.pos[l - 1][j - 1], q = lay.pos[l][i - 1];
          var x1 = p[0] + half, y1 = p[1], x2 = q[0] - half, y2 = q[1];
          var w = s.W[l][i - 1][j - 1], g = s.dW[l][i - 1][j - 1];
          var colour = g > 0 ? "#d9480f" : g < 0 ? "#1c7ed6" : "#aaa";
          var width = biggest > 0 ? 0.8 + 7 * Math.abs(g) / biggest : 0.8;
          edges.appendChild(svg("line", {
            x1: x1, y1: y1, x2: x2, y2: y2, stroke: colour, "stroke-width": width.toFixed(2),
            "class": "edge"
          }));
          // the click target: a band 10 px wide around the line
          var len = Math.hypot(x2 - x1, y2 - y1) || 1;
          var nx = -5 * (y2 - y1) / len, ny = 5 * (x2 - x1) / len;
          var band = [[x1 + nx, y1 + ny], [x2 + nx, y2 + ny], [x2 - nx, y2 - ny],
                      [x1 - nx, y1 - ny]].map(function (c) {
            return c[0].toFixed(1) + "," + c[1].toFixed(1);
          }).join(" ");
          var hit = svg("polygon", {
            points: band, "class": "edge-hit", id: "edge-" + l + "-" + i + "-" + j,
            "data-l": l, "data-i": i, "data-j": j
          });
          hit.appendChild(svg("title", {}, "w" + ij(i, j) + sup(l) + " = " + full(w) +
            "\n∂E/∂w" + ij(i, j) + sup(l) + " = " + full(g)));
          hit.addEventListener("click", onEdge);
          edges.appendChild(hit);
          if (!lay.compact && nEdges <= 25) {
            var t = 0.22, lx = x1 + t * (x2 - x1) + 4, ly = y1 + t * (y2 - y1) - 3;
            var label = svg("text", { x: lx, y: ly, "class": "edge-label" });
            label.appendChild(svg("tspan", { x: lx }, "w " + short(w)));
            label.appendChild(svg("tspan", { x: lx, dy: 11 }, "∂ " + short(g)));
            labels.appendChild(label);
          }
        }
      }
    }
    for (l = 1; l <= L; l++) {
      for (i = 1; i <= s.sizes[l - 1]; i++) {
        neurons.appendChild(neuron(s, lay, l, i));
      }
    }
    placeLayerControls(s, lay);
  }

  function neuron(s, lay, l, i) {
    var c = lay.pos[l][i - 1];
    var L = s.sizes.length;
    var sat = l > 1 && s.saturated[l][i - 1];
    var classes = "neuron" + (l === 1 ? " input" : "") + (sat ? " saturated" : "");
    if (selected && selected.j === undefined && selected.l === l && selected.i === i) {
      classes += " selected";
    }
    var g = svg("g", { "class": classes, id: "neuron-" + l + "-" + i, "data-l": l, "data-i": i });
    var lines;
    if (l === 1) {
      lines = ["x" + sub(i) + " = a" + sub(i) + sup(1), short(s.x[i - 1])];
    } else {
      lines = [
        "z " + short(s.z[l][i - 1]),
        "a " + short(s.a[l][i - 1]),
        "δ " + short(s.delta[l][i - 1]),
        "f′ " + short(s.fprime[l][i - 1])
      ];
    }
    var tip = (l === 1 ? "x" + sub(i) : "neuron " + i + " of layer " + l) +
      (sat ? " (saturated: f′ ≈ 0)" : "");
    g.appendChild(svg("title", {}, tip));
    if (lay.compact) {
      g.appendChild(svg("rect", { x: c[0] - 9, y: c[1] - 9, width: 18, height: 18, rx: 9 }));
    } else {
      g.appendChild(svg("rect", {
        x: c[0] - BOX_W / 2, y: c[1] - BOX_H / 2, width: BOX_W, height: BOX_H, rx: 10
      }));
      var y0 = c[1] - BOX_H / 2 + 14;
      lines.forEach(function (text, k) {
        g.appendChild(svg("text", { x: c[0] - BOX_W / 2 + 8, y: y0 + k * 14,
                                   "class": k === 0 && l === 1 ? "name" : "" }, text));
      });
      if (l === L) {
        g.appendChild(svg("text", { x: c[0] + BOX_W / 2 + 6, y: c[1] + 4, "class": "outside" },
          "y" + sub(i) + " = " + short(s.y[i - 1])));
      }
      if (sat) {
        g.appendChild(svg("text", { x: c[0] - BOX_W / 2, y: c[1] + BOX_H / 2 + 12,
                                   "class": "outside" }, "saturated"));
      }
    }
    g.addEventListener("click", onNeuron);
    return g;
  }

  function placeLayerControls(s, lay) {
    var box = $("layer-controls");
    clear(box);
    for (var l = 2; l <= s.sizes.length; l++) {
      var label = el("label", {}, "f" + sup(l) + " ");
      var sel = el("select", { "data-layer": l, id: "activation-" + l });
      var names = options.activations.concat(l === s.sizes.length ? ["softmax"] : []);
      names.forEach(function (name) {
        var o = el("option", { value: name }, name);
        if (name === s.activation[l - 2]) { o.selected = true; }
        sel.appendChild(o);
      });
      sel.addEventListener("change", onActivation);
      label.appendChild(sel);
      label.style.left = (lay.pos[l][0][0] - BOX_W / 2) + "px";
      box.appendChild(label);
    }
  }

  function onActivation() {
    var names = [];
    for (var l = 2; l <= S.sizes.length; l++) { names.push($("activation-" + l).value); }
    change({ activation: names }, "activations: " + names.join(", "));
  }

  function onNeuron(ev) {
    var g = ev.currentTarget;
    select({ l: +g.getAttribute("data-l"), i: +g.getAttribute("data-i") });
  }

  function onEdge(ev) {
    var e = ev.currentTarget;
    select({ l: +e.getAttribute("data-l"), i: +e.getAttribute("data-i"),
             j: +e.getAttribute("data-j") });
  }

  // ------------------------------------------------------------------------------------------
  // Editing and "why this number"

  function select(sel) {
    selected = sel;
    document.querySelectorAll(".neuron.selected, .edge-hit.selected").forEach(function (e) {
      e.classList.remove("selected");
    });
    var id = sel.j !== undefined ? "edge-" + sel.l + "-" + sel.i + "-" + sel.j
                                 : "neuron-" + sel.l + "-" + sel.i;
    var node = $(id);
    if (node) { node.classList.add("selected"); }
    showEditor();
  }

  function field(form, id, label, value, send) {
    var wrap = el("label", {}, label + " ");
    var input = el("input", { id: id, type: "text", size: 12 });
    input.value = full(value);
    wrap.appendChild(input);
    form.appendChild(wrap);
    return { input: input, send: send };
  }

  function showEditor() {
    var form = $("editor-form");
    clear(form);
    clear($("why"));
    if (!selected || !S) { return; }
    var s = S, l = selected.l, i = selected.i, j = selected.j, L = s.sizes.length;
    if (l > L || i > s.sizes[l - 1] || (j !== undefined && j > s.sizes[l - 2])) {
      selected = null;
      $("editor-title").textContent = "Click a neuron or an edge";
      return;
    }
    var fields = [];
    if (j !== undefined) {
      $("editor-title").textContent = "Edge w" + ij(i, j) + sup(l) +
        ": from neuron " + j + " of layer " + (l - 1) + " to neuron " + i + " of layer " + l;
      fields.push(field(form, "edit-w", "w" + ij(i, j) + sup(l), s.W[l][i - 1][j - 1],
        function (v) { return { w: [l, i, j], value: v }; }));
    } else if (l === 1) {
      $("editor-title").textContent = "Input x" + sub(i);
      fields.push(field(form, "edit-x", "x" + sub(i), s.x[i - 1], function (v) {
        var x = s.x.slice(); x[i - 1] = v; return { x: x };
      }));
    } else {
      $("editor-title").textContent = "Neuron " + i + " of layer " + l;
      fields.push(field(form, "edit-b", "b" + sub(i) + sup(l), s.b[l][i - 1],
        function (v) { return { b: [l, i], value: v }; }));
      if (l === L) {
        fields.push(field(form, "edit-y", "y" + sub(i), s.y[i - 1], function (v) {
          var y = s.y.slice(); y[i - 1] = v; return { y: y };
        }));
      }
    }
    form.appendChild(el("button", { type: "submit", id: "edit-apply" }, "Set"));
    form.onsubmit = function (ev) {
      ev.preventDefault();
      // the field the learner changed (the first one if none did)
      var changed = fields.filter(function (f) {
        return f.input.value.trim() !== f.input.getAttribute("data-was");
      });
      var f = changed.length ? changed[0] : fields[0];
      var v = Number(f.input.value.trim());
      if (f.input.value.trim() === "" || !isFinite(v)) {
        say("not a finite number: " + f.input.value, true);
        return;
      }
      change(f.send(v), f.input.id.replace("edit-", "") + " set to " + full(v));
    };
    fields.forEach(function (f) { f.input.setAttribute("data-was", f.input.value); });
    var q = "/api/why?l=" + l + "&i=" + i + (j !== undefined ? "&j=" + j : "");
    if (l > 1) { api("GET", q).then(showWhy, failed); }
  }

  function p(parent, text, cls) {
    var e = el("p", cls ? { "class": cls } : {}, text);
    parent.appendChild(e);
    return e;
  }

  function showWhy(w) {
    var box = $("why");
    clear(box);
    var l = w.l, i = w.i, d = "δ" + sub(i) + sup(l);
    var f = "f′(z" + sub(i) + sup(l) + ")";
    if (w.rule === "BP-3") {
      var name = "∂E/∂w" + ij(i, w.j) + sup(l);
      p(box, "BP-3: " + name + " = δ" + sub(i) + sup(l) + " · a" + sub(w.j) + sup(l - 1), "rule");
      p(box, name + " = " + full(w.delta_formula) + " × " + full(w.a_prev) + "\n = " +
        full(w.dw_formula), "formula");
      p(box, "graph: w.grad = " + full(w.dw_graph));
      p(box, "difference = " + full(w.dw_difference), w.dw_difference === 0 ? "agree" : "");
      return;
    }
    if (w.rule === "BP-1" && w.form === "a - y") {
      p(box, "BP-1 (" + w.activation + " output, " + w.loss + "): " + d + " = a" + sub(i) +
        sup(l) + " − y" + sub(i) + "   (f′ cancels)", "rule");
      p(box, d + " = " + full(w.a) + " − " + full(w.y) + "\n    = " + full(w.delta_formula),
        "formula");
    } else if (w.rule === "BP-1") {
      p(box, "BP-1: " + d + " = −(y" + sub(i) + " − a" + sub(i) + sup(l) + ") · " + f, "rule");
      p(box, d + " = −(" + full(w.y) + " − " + full(w.a) + ") × " + full(w.fprime) +
        "\n    = −(" + full(w.error) + ") × " + full(w.fprime) + "\n    = " +
        full(w.delta_formula), "formula");
    } else {
      p(box, "BP-2: " + d + " = (Σⱼ δⱼ" + sup(l + 1) + " wⱼ" + sub(i) + sup(l + 1) + ") · " + f,
        "rule");
      var terms = w.terms.map(function (t) {
        return "(" + full(t.delta) + ")(" + full(t.w) + ")";
      }).join("\n      + ");
      p(box, d + " = [" + terms + "] × " + full(w.fprime) + "\n    = " + full(w.sum) + " × " +
        full(w.fprime) + "\n    = " + full(w.delta_formula), "formula");
    }
    p(box, f + " = " + full(w.fprime) + "   (" + w.derivative_formula + ")");
    p(box, "graph: z" + sub(i) + sup(l) + ".grad = " + full(w.delta_graph));
    p(box, "difference = " + full(w.delta_difference), w.delta_difference === 0 ? "agree" : "");
    p(box, "BP-4: ∂E/∂b" + sub(i) + sup(l) + " = " + d + " = " + full(w.delta_formula) +
      "  (graph: b.grad = " + full(w.db_graph) + ")");
  }

  // ------------------------------------------------------------------------------------------
  // Tables, summary, training

  function drawDeltas(s) {
    var body = $("deltas").tBodies[0];
    clear(body);
    for (var l = s.sizes.length; l >= 2; l--) {
      for (var i = 1; i <= s.sizes[l - 1]; i++) {
        var g = s.delta[l][i - 1], f = s.delta_formulas[l][i - 1];
        var tr = el("tr", { id: "delta-" + l + "-" + i });
        tr.appendChild(el("td", {}, "δ" + sub(i) + sup(l)));
        tr.appendChild(el("td", { "class": "num graph" }, full(g)));
        tr.appendChild(el("td", { "class": "num formula" }, full(f)));
        tr.appendChild(el("td", { "class": "num" }, full(g - f)));
        body.appendChild(tr);
      }
    }
  }

  function drawLoss(t) {
    var box = $("loss");
    clear(box);
    var loss = t.loss;
    var W = 360, H = 160, left = 48, bottom = 18;
    box.appendChild(svg("line", { x1: left, y1: 4, x2: left, y2: H - bottom }));
    box.appendChild(svg("line", { x1: left, y1: H - bottom, x2: W - 4, y2: H - bottom }));
    if (loss.length === 0) {
      box.appendChild(svg("text", { x: left + 10, y: 40 }, "E_t per epoch appears here"));
      return;
    }
    var log = loss.every(function (e) { return e > 0; });
    var ys = loss.map(function (e) { return log ? Math.log10(e) : e; });
    var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys);
    if (hi === lo) { hi = lo + 1; }
    var n = Math.max(t.epoch, 1), at = t.loss_epochs;
    var pts = ys.map(function (y, k) {
      var px = left + (W - 4 - left) * at[k] / n;
      var py = 4 + (H - bottom - 4) * (hi - y) / (hi - lo);
      return px.toFixed(1) + "," + py.toFixed(1);
    });
    box.appendChild(svg("polyline", { points: pts.join(" ") }));
    box.appendChild(svg("text", { x: 2, y: 12 }, short(log ? Math.pow(10, hi) : hi)));
    box.appendChild(svg("text", { x: 2, y: H - bottom }, short(log ? Math.pow(10, lo) : lo)));
    box.appendChild(svg("text", { x: W - 70, y: H - 4 }, "epoch " + t.epoch));
    box.appendChild(svg("text", { x: left + 4, y: H - 4 }, log ? "E_t (log scale)" : "E_t"));
  }

  function drawRule(t) {
    var parts = [];
    if (t.loss.length) {
      parts.push("epoch " + t.epoch + ": E_total = " + full(t.loss[t.loss.length - 1]));
    } else {
      parts.push("not trained yet");
    }
    if (t.rule.change !== null) { parts.push("|E_t − E_t−1| = " + short(t.rule.change)); }
    if (t.settings) {
      parts.push("stop when |ΔE| < tol = " + t.settings.tol +
        (t.settings.target !== null ? " or E < " + t.settings.target : "") +
        ", or after " + t.requested + " epochs");
    }
    if (t.running) { parts.push("running…"); }
    else if (t.stopped_by) { parts.push("stopped by " + t.stopped_by); }
    if (t.optimizer) { parts.push(t.optimizer); }
    $("rule").textContent = parts.join(" · ");
  }

  function running(on) {
    $("pause").disabled = !on;
    ["step", "run", "reset", "new", "upload"].forEach(function (id) { $(id).disabled = on; });
  }

  function render(s) {
    S = s;
    $("summary").textContent = "net " + s.sizes.join("-") + " · f = " + s.activation.join(", ") +
      " · " + s.loss_formula + " · data " + s.data + " (sample " + s.sample + " of " + s.N + ") · E = " + full(s.E);
    drawNetwork(s);
    drawDeltas(s);
    drawLoss(s.train);
    drawRule(s.train);
    running(s.train.running);
    var sample = $("sample");
    if (sample.options.length !== s.N || +sample.value !== s.sample) {
      clear(sample);
      for (var k = 1; k <= s.N; k++) {
        var o = el("option", { value: k }, String(k));
        if (k === s.sample) { o.selected = true; }
        sample.appendChild(o);
      }
    }
    if (!s.train.running) {
      if (selected) { select(selected); }
      loadSteps();
    }
  }

  function settings(epochs) {
    var body = { optimizer: $("optimizer").value, epochs: epochs };
    var lr = $("lr").value.trim(), batch = $("batch").value.trim(), tol = $("tol").value.trim();
    if (lr !== "") { body.lr = Number(lr); }
    if (batch !== "") { body.batch_size = Number(batch); }
    if (tol !== "") { body.tol = Number(tol); }
    return body;
  }

  function onStep() {
    api("POST", "/api/train", settings(1)).then(function (s) {
      say("one epoch", false); render(s);
    }, failed);
  }

  function onRun() {
    var epochs = Number($("epochs").value.trim());
    api("POST", "/api/run", settings(epochs)).then(function (s) {
      say("running " + epochs + " epochs", false);
      render(s);
      follow();
    }, failed);
  }

  // The run's server-sent events, read with fetch (EventSource cannot send the token header).
  function follow() {
    if (source) { source.abort(); }
    var ctrl = new AbortController();
    source = ctrl;
    var init = { headers: authorised({}), credentials: "omit", signal: ctrl.signal };
    fetch("/api/events", init).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      var reader = r.body.getReader(), decoder = new TextDecoder(), buffer = "";
      function pump() {
        return reader.read().then(function (part) {
          if (part.done) { return; }
          buffer += decoder.decode(part.value, { stream: true });
          var end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            onEvent(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () {}).then(function () {
      if (source === ctrl) { source = null; }
    });
  }

  function onEvent(block) {
    var event = "", data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event: ") === 0) { event = line.slice(7); }
      else if (line.indexOf("data: ") === 0) { data += line.slice(6); }
    });
    if (event === "state") { render(JSON.parse(data)); }
    else if (event === "done") {
      say("training stopped" + (S && S.train.stopped_by ? " by " + S.train.stopped_by : ""),
        false);
    }
  }

  function onDownload(ev) {
    ev.preventDefault();
    var init = { headers: authorised({}), credentials: "omit" };
    fetch("/api/model", init).then(function (r) {
      if (!r.ok) { return r.json().then(function (e) { throw new Error(e.error); }); }
      return r.blob();
    }).then(function (blob) {
      var link = el("a", { href: URL.createObjectURL(blob), download: "microbp-model.json" });
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      say("downloaded microbp-model.json", false);
    }).catch(failed);
  }

  function onPause() {
    api("POST", "/api/pause").then(function (s) { say("paused", false); render(s); }, failed);
  }

  function onReset() {
    api("POST", "/api/reset").then(function (s) { say("reset", false); render(s); }, failed);
  }

  function onNew() {
    var body = { data: $("data").value, activation: $("new-activation").value };
    var sizes = $("sizes").value.trim();
    if (sizes !== "") {
      body.sizes = sizes.split(",").map(function (t) { return Number(t.trim()); });
    }
    var seed = $("seed").value.trim();
    if (seed !== "") { body.seed = Number(seed); }
    api("POST", "/api/new", body).then(function (s) {
      selected = null; say("new net " + s.sizes.join("-") + " on " + s.data, false); render(s);
    }, failed);
  }

  function onData() {
    $("sizes").value = (options.default_sizes[$("data").value] || S.sizes).join(",");
  }

  function onUpload() {
    var file = $("upload").files[0];
    if (!file) { return; }
    file.text().then(function (text) {
      return api("POST", "/api/model", text, true);
    }).then(function (s) {
      say("loaded " + file.name, false); selected = null; render(s);
    }, failed).then(function () { $("upload").value = ""; });
  }

  function onOptimizer() {
    var name = $("optimizer").value;
    var rprop = name.indexOf("rprop") >= 0;
    $("lr-name").textContent = rprop ? "Δ₀" : "μ";
    $("lr").value = String(options.default_lr[rprop ? "rprop" : name]);
  }

  // ------------------------------------------------------------------------------------------
  // The backward stepper (data from microbp.viz.trace_backward, via GET /api/trace)

  function loadSteps() {
    api("GET", "/api/trace").then(function (data) {
      steps = data.steps;
      intro = data.intro;
      showStep(Math.min(stepAt, steps.length));
    }, function (err) {
      steps = null;
      $("step-counter").textContent = "";
      $("step-panel").textContent = err.message;
    });
  }

  function showStep(k) {
    if (!steps) { return; }
    stepAt = Math.max(0, Math.min(steps.length, k));
    $("step-counter").textContent = "step " + stepAt + " / " + steps.length;
    $("step-prev").disabled = stepAt === 0;
    $("step-next").disabled = stepAt === steps.length;
    document.querySelectorAll(".neuron.stepping").forEach(function (e) {
      e.classList.remove("stepping");
    });
    var panel = $("step-panel");
    if (stepAt === 0) {
      panel.textContent = intro + " Press Next.";
      return;
    }
    // The text is Python's (microbp.viz.trace.explain, as on the stepper page): shown only.
    var s = steps[stepAt - 1];
    if (s.neuron) {
      var n = $("neuron-" + s.neuron[0] + "-" + s.neuron[1]);
      if (n) { n.classList.add("stepping"); }
    }
    var lines = [];
    s.lines.forEach(function (line) {
      if (line.kind === "local") { lines.push(""); }
      lines.push(line.kind === "chain" || line.kind === "grad" ? "  " + line.text : line.text);
    });
    panel.textContent = lines.join("\n");
  }

  // ------------------------------------------------------------------------------------------

  function fill(select, names, chosen) {
    clear(select);
    names.forEach(function (name) {
      var o = el("option", { value: name }, name);
      if (name === chosen) { o.selected = true; }
      select.appendChild(o);
    });
  }

  function start() {
    if (!TOKEN) {
      say("This page needs the lab's token: open the address `microbp lab` printed " +
        "(http://…/#token=…).", true);
      return;
    }
    $("download").addEventListener("click", onDownload);
    $("step").addEventListener("click", onStep);
    $("run").addEventListener("click", onRun);
    $("pause").addEventListener("click", onPause);
    $("reset").addEventListener("click", onReset);
    $("new").addEventListener("click", onNew);
    $("data").addEventListener("change", onData);
    $("upload").addEventListener("change", onUpload);
    $("optimizer").addEventListener("change", onOptimizer);
    $("sample").addEventListener("change", function () {
      change({ sample: Number($("sample").value) }, "sample " + $("sample").value);
    });
    $("step-prev").addEventListener("click", function () { showStep(stepAt - 1); });
    $("step-next").addEventListener("click", function () { showStep(stepAt + 1); });
    api("GET", "/api/options").then(function (o) {
      options = o;
      fill($("optimizer"), o.optimizers, "gd");
      fill($("new-activation"), o.activations, "sigmoid");
      return api("GET", "/api/state");
    }).then(function (s) {
      fill($("data"), options.data, s.data);
      $("sizes").value = s.sizes.join(",");
      render(s);
      if (s.train.running) { follow(); }
      document.body.setAttribute("data-ready", "1");
    }, failed);
  }

  start();
})();
