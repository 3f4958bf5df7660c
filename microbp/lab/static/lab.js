// microbp lab: the page. It draws what the server computed (GET /api/state) and sends the
// learner's edits back (POST /api/set); it computes no gradient, and writes no name of its
// own: every wᵢⱼ⁽ˡ⁾, δᵢ⁽ˡ⁾, … comes from the state's "names" (microbp.names on the server).
// Every text from data goes in with textContent, never as markup, so a label such as
// <script> shows as text.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var S = null; // the last state
  var before = null; // the state before the last edit (what it changed is highlighted)
  var options = null;
  var selected = null; // {l, i} or {l, i, j}
  var trace = null; // the stepper: {total, start, steps, neurons, intro}
  var stepAt = 0;
  var source = null; // the AbortController of the fetch that follows a run
  var digits = 0; // 0: the shortest text that reads back as the same double (Python's repr)
  var busy = {}; // requests that follow a run, one in flight each (why, boundary)

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

  // ------------------------------------------------------------------------------------------
  // Numbers as Python writes them: repr(x), the shortest text that reads back as the same
  // double (0.4, not 0.40000000000000002), or format(x, ".Ng") with the digits setting.

  function python(mantissa, exp, fixed) {
    // mantissa: the digits without a point ("40123"), exp: the power of ten of the first
    var sign = mantissa.charAt(0) === "-" ? "-" : "";
    var d = mantissa.replace("-", "");
    if (fixed) {
      var s;
      if (exp < 0) { s = "0." + "0".repeat(-exp - 1) + d; }
      else if (d.length <= exp + 1) { s = d + "0".repeat(exp + 1 - d.length); }
      else { s = d.slice(0, exp + 1) + "." + d.slice(exp + 1); }
      return sign + s;
    }
    var m = d.length > 1 ? d.charAt(0) + "." + d.slice(1) : d;
    var e = Math.abs(exp) < 10 ? "0" + Math.abs(exp) : String(Math.abs(exp));
    return sign + m + "e" + (exp < 0 ? "-" : "+") + e;
  }

  function parts(text) { // "-1.2345e-7" → ["-12345", -7]
    var m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
    return [m[1] + m[2] + (m[3] || ""), Number(m[4])];
  }

  function repr(x) {
    if (!isFinite(x)) { return x > 0 ? "inf" : x < 0 ? "-inf" : "nan"; }
    if (x === 0) { return Object.is(x, -0) ? "-0.0" : "0.0"; }
    var p = parts(x.toExponential()); // the shortest digits that round-trip
    if (p[1] >= -5 + 1 && p[1] < 16) {
      var s = python(p[0], p[1], true);
      return s.indexOf(".") < 0 ? s + ".0" : s;
    }
    return python(p[0], p[1], false);
  }

  // x.toExponential(n - 1), rounded as Python rounds: JavaScript takes a tie (the double is
  // exactly halfway, e.g. 1234.5 to 4 digits) upwards, Python to the even digit.
  function rounded(x, n) {
    var text = x.toExponential(n - 1);
    var exact = parts(x.toExponential(100)); // every digit of a double that can be a tie
    var digits = exact[0].replace("-", "");
    if (/^50*$/.test(digits.slice(n)) && Number(digits.charAt(n - 1)) % 2 === 0) {
      var kept = digits.slice(0, n);
      return (x < 0 ? "-" : "") + kept.charAt(0) + (n > 1 ? "." + kept.slice(1) : "") +
        "e" + (exact[1] < 0 ? "-" : "+") + Math.abs(exact[1]);
    }
    return text;
  }

  function general(x, n) { // format(x, ".ng")
    if (!isFinite(x)) { return repr(x); }
    if (x === 0) { return Object.is(x, -0) ? "-0" : "0"; }
    var p = parts(rounded(x, n));
    var d = p[0].replace(/0+$/, "");
    if (d === "" || d === "-") { d += "0"; }
    return p[1] >= -4 && p[1] < n ? python(d, p[1], true) : python(d, p[1], false);
  }

  function num(x) {
    if (x === null || x === undefined) { return "–"; }
    return digits ? general(x, digits) : repr(x);
  }

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

  // One request of a kind in flight; the newest wish made while it runs is sent after it.
  function once(kind, run) {
    if (busy[kind]) { busy[kind] = run; return; }
    busy[kind] = true;
    run().then(null, function () {}).then(function () {
      var next = busy[kind];
      busy[kind] = false;
      if (typeof next === "function") { once(kind, next); }
    });
  }

  function change(body, what) {
    var was = S;
    return api("POST", "/api/set", body).then(function (state) {
      say(what, false);
      before = was;
      render(state);
    }, failed);
  }

  // ------------------------------------------------------------------------------------------
  // The network (the tutorial's Figure 1), laid out for the width it has: boxes with every
  // number when they fit at 80% of their size or more, else small circles (a click shows the
  // numbers). Never narrower than its labels need: the box scrolls instead.

  var PAD = 16, LINE = 14, CHAR = 6.7, MIN_SCALE = 0.8;

  function neuronLines(s, l, i) {
    var n = s.names;
    if (l === 1) { return [n.x[i - 1] + " = " + n.a["1"][i - 1], "= " + num(s.x[i - 1])]; }
    var lines = [
      n.z[l][i - 1] + " = " + num(s.z[l][i - 1]),
      n.a[l][i - 1] + " = " + num(s.a[l][i - 1]),
      n.delta[l][i - 1] + " = " + num(s.delta[l][i - 1]),
      "f′ = " + num(s.fprime[l][i - 1])
    ];
    if (l === s.sizes.length) { lines.push(n.y[i - 1] + " = " + num(s.y[i - 1])); }
    if (s.saturated[l][i - 1]) { lines.push("saturated"); }
    return lines;
  }

  function layout(s) {
    var sizes = s.sizes, L = sizes.length;
    var tallest = Math.max.apply(null, sizes);
    var avail = Math.max(200, $("network-box").clientWidth - 2);
    var lines = {}, chars = 0, rows = 0;
    for (var l = 1; l <= L; l++) {
      lines[l] = [];
      for (var i = 1; i <= sizes[l - 1]; i++) {
        var t = neuronLines(s, l, i);
        lines[l].push(t);
        rows = Math.max(rows, t.length);
        t.forEach(function (x) { chars = Math.max(chars, x.length); });
      }
    }
    var boxW = Math.ceil(chars * CHAR + 16), boxH = rows * LINE + 10;
    var natural = L * boxW + (L - 1) * 90 + 2 * PAD;
    var lay = { L: L, lines: lines, pos: {} };
    if (tallest <= 8 && natural * MIN_SCALE <= avail) {
      lay.mode = "boxes";
      lay.boxW = boxW; lay.boxH = boxH;
      var gap = Math.min(320, Math.max(90, (avail - L * boxW - 2 * PAD) / Math.max(L - 1, 1)));
      lay.width = L * boxW + (L - 1) * gap + 2 * PAD;
      var dy = boxH + 40;
      lay.height = (tallest - 1) * dy + boxH + 2 * PAD;
      lay.scale = Math.min(1, avail / lay.width);
      sizes.forEach(function (n, k) {
        lay.pos[k + 1] = [];
        for (var i = 0; i < n; i++) {
          lay.pos[k + 1].push([PAD + boxW / 2 + k * (boxW + gap),
                               lay.height / 2 + (i - (n - 1) / 2) * dy]);
        }
      });
    } else {
      lay.mode = "dots";
      lay.r = 9;
      var step = tallest <= 8 ? 64 : 24;
      lay.width = Math.max(avail, (L - 1) * 70 + 2 * PAD + 2 * lay.r);
      lay.height = (tallest - 1) * step + 2 * PAD + 2 * lay.r;
      lay.scale = 1;
      var dx = (lay.width - 2 * PAD - 2 * lay.r) / Math.max(L - 1, 1);
      sizes.forEach(function (n, k) {
        lay.pos[k + 1] = [];
        for (var i = 0; i < n; i++) {
          lay.pos[k + 1].push([PAD + lay.r + k * dx, lay.height / 2 + (i - (n - 1) / 2) * step]);
        }
      });
    }
    return lay;
  }

  // |∂E/∂w| on a fixed log scale: 10⁻¹² and below → 0.6 px, 1 and above → 8 px; so a
  // gradient of 10⁻¹³ never looks like 0.1, whatever the other edges carry.
  // Dense nets (the circles layout) use the same scale at half the width.
  var LOG_LO = -12, LOG_HI = 0, widest = 8;
  function edgeWidth(g) {
    if (g === 0) { return 1; }
    var t = (Math.log10(Math.abs(g)) - LOG_LO) / (LOG_HI - LOG_LO);
    return (0.6 + (widest - 0.6) * Math.max(0, Math.min(1, t))) * (widest / 8);
  }

  function drawWidthLegend() {
    var box = $("width-legend");
    clear(box);
    box.appendChild(svg("text", { x: 0, y: 10 }, "|∂E/∂w|:"));
    [[-12, "≤10⁻¹²"], [-8, "10⁻⁸"], [-4, "10⁻⁴"], [0, "≥1"]].forEach(function (p, k) {
      var x = 52 + k * 52;
      box.appendChild(svg("line", { x1: x, y1: 6, x2: x + 40, y2: 6,
        "stroke-width": edgeWidth(Math.pow(10, p[0])).toFixed(2) }));
      box.appendChild(svg("text", { x: x, y: 24 }, p[1]));
    });
  }

  function differs(a, b) { return JSON.stringify(a) !== JSON.stringify(b); }

  // What the last edit changed: {neurons: {"l-i": true}, edges: {"l-i-j": true}}.
  function changes(s) {
    var out = { neurons: {}, edges: {}, any: false };
    if (!before || differs(before.sizes, s.sizes)) { return out; }
    var L = s.sizes.length;
    for (var i = 1; i <= s.sizes[0]; i++) {
      if (before.x[i - 1] !== s.x[i - 1]) { out.neurons["1-" + i] = true; }
    }
    for (var l = 2; l <= L; l++) {
      for (i = 1; i <= s.sizes[l - 1]; i++) {
        var keys = ["z", "a", "delta", "fprime", "b"];
        if (keys.some(function (k) { return before[k][l][i - 1] !== s[k][l][i - 1]; }) ||
            (l === L && before.y[i - 1] !== s.y[i - 1])) {
          out.neurons[l + "-" + i] = true;
        }
        for (var j = 1; j <= s.sizes[l - 2]; j++) {
          if (before.W[l][i - 1][j - 1] !== s.W[l][i - 1][j - 1] ||
              before.dW[l][i - 1][j - 1] !== s.dW[l][i - 1][j - 1]) {
            out.edges[l + "-" + i + "-" + j] = true;
          }
        }
      }
    }
    out.any = Object.keys(out.neurons).length + Object.keys(out.edges).length > 0;
    return out;
  }

  var drawnWidth = 0; // the width of the network's box the net was laid out for

  function drawNetwork(s) {
    drawnWidth = $("network-box").clientWidth;
    var net = $("network");
    clear(net);
    var L = s.sizes.length;
    var lay = layout(s);
    var changed = changes(s);
    var w8 = lay.mode === "boxes" ? 8 : 4;
    if (w8 !== widest) { widest = w8; drawWidthLegend(); }
    net.setAttribute("width", Math.round(lay.width * lay.scale));
    net.setAttribute("height", Math.round(lay.height * lay.scale));
    net.setAttribute("viewBox", "0 0 " + lay.width + " " + lay.height);
    net.setAttribute("data-mode", lay.mode);
    var edges = svg("g", { id: "edges" });
    var neurons = svg("g", { id: "neurons" });
    var labels = svg("g", { id: "edge-labels" });
    net.appendChild(edges);
    net.appendChild(neurons);
    net.appendChild(labels);
    var halfW = lay.mode === "boxes" ? lay.boxW / 2 : lay.r;
    var list = [];
    for (var l = 2; l <= L; l++) {
      for (var i = 1; i <= s.sizes[l - 1]; i++) {
        for (var j = 1; j <= s.sizes[l - 2]; j++) {
          var p = lay.pos[l - 1][j - 1], q = lay.pos[l][i - 1];
          var x1 = p[0] + halfW, y1 = p[1], x2 = q[0] - halfW, y2 = q[1];
          var w = s.W[l][i - 1][j - 1], g = s.dW[l][i - 1][j - 1];
          var name = s.names.w[l][i - 1][j - 1];
          var key = l + "-" + i + "-" + j;
          var colour = g > 0 ? "#d9480f" : g < 0 ? "#1c7ed6" : "#888";
          edges.appendChild(svg("line", {
            x1: x1, y1: y1, x2: x2, y2: y2, stroke: colour,
            "stroke-width": edgeWidth(g).toFixed(2), id: "line-" + key,
            "class": "edge" + (g === 0 ? " zero" : "") + (changed.edges[key] ? " changed" : "")
          }));
          // the click target: a band 10 px wide around the line
          var len = Math.hypot(x2 - x1, y2 - y1) || 1;
          var nx = -5 * (y2 - y1) / len, ny = 5 * (x2 - x1) / len;
          var band = [[x1 + nx, y1 + ny], [x2 + nx, y2 + ny], [x2 - nx, y2 - ny],
                      [x1 - nx, y1 - ny]].map(function (c) {
            return c[0].toFixed(1) + "," + c[1].toFixed(1);
          }).join(" ");
          var isSel = selected && selected.j === j && selected.l === l && selected.i === i;
          var hit = svg("polygon", {
            points: band, "class": "edge-hit" + (isSel ? " selected" : ""), id: "edge-" + key,
            "data-l": l, "data-i": i, "data-j": j
          });
          hit.appendChild(svg("title", {}, name + " = " + num(w) +
            (practising() ? "" : "\n∂E/∂" + name + " = " + num(g))));
          hit.addEventListener("click", onEdge);
          edges.appendChild(hit);
          list.push({ key: key, name: name, w: w, x1: x1, y1: y1, x2: x2, y2: y2,
                      selected: isSel, changed: changed.edges[key] });
        }
      }
    }
    var boxes = [];
    for (l = 1; l <= L; l++) {
      for (i = 1; i <= s.sizes[l - 1]; i++) {
        neurons.appendChild(neuron(s, lay, l, i, changed.neurons[l + "-" + i]));
        var c = lay.pos[l][i - 1];
        var h = boxHeight(lay, l, i) / 2;
        boxes.push(lay.mode === "boxes"
          ? [c[0] - lay.boxW / 2, c[1] - h, c[0] + lay.boxW / 2, c[1] + h]
          : [c[0] - lay.r, c[1] - lay.r, c[0] + lay.r, c[1] + lay.r]);
      }
    }
    edgeLabels(labels, list, boxes, lay);
    placeLayerControls(s, lay);
  }

  // Edge labels "w₁₂⁽³⁾ = 0.3" where they fit: each is tried at a few places along its edge
  // and kept at the first that overlaps no neuron and no label already placed; the others
  // are left to the edge's tooltip and to selection (a selected edge always has its label).
  // In the circles layout only the selected edge is labelled.
  var ALONG = [0.5, 0.35, 0.65, 0.25, 0.75, 0.18, 0.82];
  function edgeLabels(group, list, boxes, lay) {
    var placed = boxes.slice();
    var order = list.filter(function (e) { return e.selected; }).concat(
      lay.mode === "boxes" && list.length <= 200
        ? list.filter(function (e) { return !e.selected; }) : []);
    order.forEach(function (e) {
      var g = svg("g", { "class": "edge-label" + (e.selected ? " selected" : "") +
        (e.changed ? " changed" : ""), id: "label-" + e.key });
      var rect = svg("rect", { rx: 2 });
      var text = svg("text", { "text-anchor": "middle" }, e.name + " = " + num(e.w));
      g.appendChild(rect);
      g.appendChild(text);
      group.appendChild(g);
      var size = text.getBBox();
      var w = size.width + 4, h = size.height + 2;
      for (var k = 0; k < ALONG.length; k++) {
        var t = ALONG[k];
        var cx = e.x1 + t * (e.x2 - e.x1), cy = e.y1 + t * (e.y2 - e.y1);
        var box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
        var free = placed.every(function (b) {
          return box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3];
        });
        if (free || (e.selected && k === ALONG.length - 1)) {
          if (!free) { cx = (e.x1 + e.x2) / 2; cy = (e.y1 + e.y2) / 2; }
          text.setAttribute("x", cx.toFixed(1));
          text.setAttribute("y", (cy + size.height / 2 - 3).toFixed(1));
          rect.setAttribute("x", (cx - w / 2).toFixed(1));
          rect.setAttribute("y", (cy - h / 2).toFixed(1));
          rect.setAttribute("width", w.toFixed(1));
          rect.setAttribute("height", h.toFixed(1));
          placed.push([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]);
          return;
        }
      }
      group.removeChild(g);
    });
  }

  // A box as tall as its lines (an input's two, a hidden neuron's four, an output's five).
  function boxHeight(lay, l, i) { return lay.lines[l][i - 1].length * LINE + 10; }

  function neuron(s, lay, l, i, changed) {
    var c = lay.pos[l][i - 1];
    var sat = l > 1 && s.saturated[l][i - 1];
    var classes = "neuron" + (l === 1 ? " input" : "") + (sat ? " saturated" : "") +
      (changed ? " changed" : "");
    if (selected && selected.j === undefined && selected.l === l && selected.i === i) {
      classes += " selected";
    }
    var g = svg("g", { "class": classes, id: "neuron-" + l + "-" + i, "data-l": l, "data-i": i });
    var lines = lay.lines[l][i - 1];
    g.appendChild(svg("title", {}, lines.join("\n")));
    if (lay.mode === "dots") {
      g.appendChild(svg("circle", { cx: c[0], cy: c[1], r: lay.r }));
      g.appendChild(svg("text", { x: c[0], y: c[1] + 3.5, "text-anchor": "middle",
                                 "class": "index" }, String(i)));
    } else {
      var h = boxHeight(lay, l, i), x0 = c[0] - lay.boxW / 2, y0 = c[1] - h / 2;
      g.appendChild(svg("rect", { x: x0, y: y0, width: lay.boxW, height: h, rx: 10 }));
      lines.forEach(function (text, k) { // the δ line is marked: practice mode hides it
        g.appendChild(svg("text", { x: x0 + 8, y: y0 + 16 + k * LINE,
                                   "class": l > 1 && k === 2 ? "delta" : "" }, text));
      });
    }
    g.addEventListener("click", onNeuron);
    return g;
  }

  function placeLayerControls(s, lay) {
    var box = $("layer-controls");
    clear(box);
    box.style.width = Math.round(lay.width * lay.scale) + "px";
    var right = lay.width * lay.scale;
    for (var l = 2; l <= s.sizes.length; l++) {
      var label = el("label", {}, "f" + s.names.layer[l] + " ");
      var sel = el("select", { "data-layer": l, id: "activation-" + l });
      var names = options.activations.concat(l === s.sizes.length ? ["softmax"] : []);
      names.forEach(function (name) {
        var o = el("option", { value: name }, name);
        if (name === s.activation[l - 2]) { o.selected = true; }
        sel.appendChild(o);
      });
      sel.addEventListener("change", onActivation);
      label.appendChild(sel);
      box.appendChild(label);
      var x = lay.pos[l][0][0] * lay.scale - label.offsetWidth / 2;
      label.style.left = Math.max(0, Math.min(right - label.offsetWidth, x)) + "px";
    }
  }

  // The losses made for the output layer on show (any layer takes the squared error).
  function fillLosses(s) {
    var output = s.activation[s.activation.length - 1];
    var names = Object.keys(options.losses).filter(function (name) {
      var made = options.losses[name].output;
      return made === null || made === output;
    });
    var box = $("loss-name");
    if (box.getAttribute("data-for") !== output + ":" + s.loss) {
      fill(box, names, s.loss);
      box.setAttribute("data-for", output + ":" + s.loss);
    }
  }

  function onLoss() {
    change({ loss: $("loss-name").value }, "loss: " + $("loss-name").value);
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
  // Editing and "why this number" (names and numbers from GET /api/why)

  function select(sel) {
    selected = sel;
    if (S) { drawNetwork(S); }
    showEditor();
  }

  function field(form, id, label, value, send) {
    var wrap = el("label", {}, label + " ");
    var input = el("input", { id: id, type: "text", size: 12 });
    input.value = repr(value); // what is typed back reads as the same double
    wrap.appendChild(input);
    form.appendChild(wrap);
    return { input: input, send: send };
  }

  function showEditor() {
    var form = $("editor-form");
    clear(form);
    clear($("why"));
    if (!selected || !S) { return; }
    var s = S, l = selected.l, i = selected.i, j = selected.j, L = s.sizes.length, n = s.names;
    if (l > L || i > s.sizes[l - 1] || (j !== undefined && j > s.sizes[l - 2])) {
      selected = null;
      $("editor-title").textContent = "Click a neuron or an edge";
      return;
    }
    var fields = [];
    if (j !== undefined) {
      $("editor-title").textContent = "Edge " + n.w[l][i - 1][j - 1] + ": from neuron " + j +
        " of layer " + (l - 1) + " to neuron " + i + " of layer " + l;
      fields.push(field(form, "edit-w", n.w[l][i - 1][j - 1], s.W[l][i - 1][j - 1],
        function (v) { return { w: [l, i, j], value: v }; }));
    } else if (l === 1) {
      $("editor-title").textContent = "Input " + n.x[i - 1];
      fields.push(field(form, "edit-x", n.x[i - 1], s.x[i - 1], function (v) {
        var x = s.x.slice(); x[i - 1] = v; return { x: x };
      }));
    } else {
      $("editor-title").textContent = "Neuron " + i + " of layer " + l + ": " +
        n.z[l][i - 1] + ", " + n.a[l][i - 1] + ", " + n.delta[l][i - 1];
      fields.push(field(form, "edit-b", n.b[l][i - 1], s.b[l][i - 1],
        function (v) { return { b: [l, i], value: v }; }));
      if (l === L) {
        fields.push(field(form, "edit-y", n.y[i - 1], s.y[i - 1], function (v) {
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
      change(f.send(v), f.input.id.replace("edit-", "") + " set to " + f.input.value.trim());
    };
    fields.forEach(function (f) { f.input.setAttribute("data-was", f.input.value); });
    if (practising()) {
      if (selected && selected.l > 1) { askPractice(selected.l, selected.i, selected.j); }
    } else {
      loadWhy();
    }
  }

  // The "why" of the selection; while a run trains, it follows the net (one request at a time).
  function loadWhy() {
    if (!selected || selected.l < 2) { return; }
    var sel = selected;
    var q = "/api/why?l=" + sel.l + "&i=" + sel.i + (sel.j !== undefined ? "&j=" + sel.j : "");
    once("why", function () {
      return api("GET", q).then(function (w) {
        if (selected === sel) { showWhy(w); }
      }, failed);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Practice mode: the learner gives δ or ∂E/∂w, the server checks it (POST /api/practice)

  function practising() { return $("practice").checked; }

  function onPractice() {
    document.body.classList.toggle("practice", practising());
    if (S) { render(S); }
  }

  function askPractice(l, i, j) {
    var box = $("why");
    var name = j !== undefined ? "∂E/∂" + S.names.w[l][i - 1][j - 1] : S.names.delta[l][i - 1];
    p(box, "What is " + name + " for the sample on show? (a number; three significant " +
      "digits are enough)", "rule");
    var form = el("form", { id: "practice-form", autocomplete: "off" });
    var input = el("input", { id: "practice-answer", type: "text", size: 16 });
    form.appendChild(el("label", {}, name + " = "));
    form.appendChild(input);
    form.appendChild(el("button", { type: "submit", id: "practice-check" }, "Check"));
    box.appendChild(form);
    form.onsubmit = function (ev) {
      ev.preventDefault();
      var body = { l: l, i: i, answer: input.value };
      if (j !== undefined) { body.j = j; }
      api("POST", "/api/practice", body).then(function (r) {
        showWhy(r.why);
        var verdict = el("p", { id: "practice-verdict",
                                "class": "verdict " + (r.correct ? "agree" : "wrong") }, r.message);
        box.insertBefore(verdict, box.firstChild);
      }, failed);
    };
    input.focus();
  }

  function p(parent, text, cls) {
    var e = el("p", cls ? { "class": cls } : {}, text);
    parent.appendChild(e);
    return e;
  }

  function showWhy(w) {
    var box = $("why");
    clear(box);
    var n = w.names, d = n.delta;
    var f = "f′(" + n.z + ")";
    if (w.rule === "BP-3") {
      var name = "∂E/∂" + n.w;
      p(box, "BP-3: " + name + " = " + d + " · " + n.a_prev, "rule");
      p(box, name + " = " + num(w.delta_formula) + " × " + num(w.a_prev) + "\n = " +
        num(w.dw_formula), "formula");
      p(box, "graph: w.grad = " + num(w.dw_graph));
      p(box, "difference = " + num(w.dw_difference), w.dw_difference === 0 ? "agree" : "");
      return;
    }
    if (w.rule === "BP-1" && w.form === "a - y") {
      p(box, "BP-1 (" + w.activation + " output, " + w.loss + "): " + d + " = " + n.a + " − " +
        n.y + "   (f′ cancels)", "rule");
      p(box, d + " = " + num(w.a) + " − " + num(w.y) + "\n    = " + num(w.delta_formula),
        "formula");
    } else if (w.rule === "BP-1") {
      p(box, "BP-1: " + d + " = −(" + n.y + " − " + n.a + ") · " + f, "rule");
      p(box, d + " = −(" + num(w.y) + " − " + num(w.a) + ") × " + num(w.fprime) +
        "\n    = −(" + num(w.error) + ") × " + num(w.fprime) + "\n    = " +
        num(w.delta_formula), "formula");
    } else {
      var sum = w.terms.map(function (t) { return t.names.delta + " " + t.names.w; });
      p(box, "BP-2: " + d + " = (" + sum.join(" + ") + ") · " + f, "rule");
      var terms = w.terms.map(function (t) {
        return "(" + num(t.delta) + ")(" + num(t.w) + ")";
      }).join("\n      + ");
      p(box, d + " = [" + terms + "] × " + num(w.fprime) + "\n    = " + num(w.sum) + " × " +
        num(w.fprime) + "\n    = " + num(w.delta_formula), "formula");
    }
    p(box, f + " = " + num(w.fprime) + "   (" + w.derivative_formula + ")");
    p(box, "graph: " + n.z + ".grad = " + num(w.delta_graph));
    p(box, "difference = " + num(w.delta_difference), w.delta_difference === 0 ? "agree" : "");
    p(box, "BP-4: ∂E/∂" + n.b + " = " + d + " = " + num(w.delta_formula) +
      "  (graph: b.grad = " + num(w.db_graph) + ")");
  }

  // ------------------------------------------------------------------------------------------
  // Tables, summary, training

  function drawDeltas(s) {
    var body = $("deltas").tBodies[0];
    clear(body);
    var changed = changes(s);
    for (var l = s.sizes.length; l >= 2; l--) {
      for (var i = 1; i <= s.sizes[l - 1]; i++) {
        var g = s.delta[l][i - 1], f = s.delta_formulas[l][i - 1];
        var was = before && changed.neurons[l + "-" + i];
        var tr = el("tr", { id: "delta-" + l + "-" + i, "class": was ? "changed" : "" });
        if (was) { tr.setAttribute("title", "before the edit: " + num(before.delta[l][i - 1])); }
        tr.appendChild(el("td", {}, s.names.delta[l][i - 1]));
        tr.appendChild(el("td", { "class": "num graph" }, num(g)));
        tr.appendChild(el("td", { "class": "num formula" }, num(f)));
        tr.appendChild(el("td", { "class": "num" }, num(g - f)));
        body.appendChild(tr);
      }
    }
  }

  var COLOURS = ["#1c7ed6", "#d9480f", "#2b8a3e", "#ae3ec9", "#f08c00", "#495057"];

  // The loss curve: one series (one colour) per optimizer it was trained with.
  function drawLoss(t) {
    var box = $("loss");
    clear(box);
    clear($("series"));
    var loss = t.loss;
    var W = 360, H = 160, left = 64, bottom = 18;
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
    var series = t.series && t.series.length ? t.series : [{ start: 0, optimizer: "" }];
    series.forEach(function (se, k) {
      var end = k + 1 < series.length ? series[k + 1].start : Infinity;
      var pts = [];
      ys.forEach(function (y, m) {
        if (at[m] < se.start || at[m] > end) { return; }
        var px = left + (W - 4 - left) * at[m] / n;
        var py = 4 + (H - bottom - 4) * (hi - y) / (hi - lo);
        pts.push(px.toFixed(1) + "," + py.toFixed(1));
      });
      var colour = COLOURS[k % COLOURS.length];
      box.appendChild(svg("polyline", { points: pts.join(" "), stroke: colour,
                                        "class": "series", "data-series": k }));
      if (se.optimizer) {
        var tag = el("span", { "class": "series-" + k },
          "— from epoch " + se.start + ": " + se.optimizer);
        tag.style.color = colour; // CSSOM, which the CSP allows (no style attribute)
        $("series").appendChild(tag);
      }
    });
    box.appendChild(svg("text", { x: 2, y: 12 }, general(log ? Math.pow(10, hi) : hi, 3)));
    box.appendChild(svg("text", { x: 2, y: H - bottom }, general(log ? Math.pow(10, lo) : lo, 3)));
    box.appendChild(svg("text", { x: W - 70, y: H - 4 }, "epoch " + t.epoch));
    box.appendChild(svg("text", { x: left + 4, y: H - 4 }, log ? "E_t (log scale)" : "E_t"));
  }

  function drawRule(t) {
    var parts = [];
    if (t.loss.length) {
      parts.push("epoch " + t.epoch + ": E_total = " + num(t.loss[t.loss.length - 1]));
    } else {
      parts.push("not trained yet");
    }
    if (t.rule.change !== null) { parts.push("|E_t − E_t−1| = " + num(t.rule.change)); }
    if (t.settings) {
      parts.push("stop when |ΔE| < tol = " + repr(t.settings.tol) +
        (t.settings.target !== null ? " or E < " + repr(t.settings.target) : "") +
        ", or after " + t.requested + " epochs");
    }
    if (t.running) { parts.push("running…"); }
    else if (t.stopped_by) { parts.push("stopped by " + t.stopped_by); }
    if (t.optimizer) { parts.push(t.optimizer); }
    $("rule").textContent = parts.join(" · ");
  }

  function running(on) {
    $("pause").disabled = !on;
    ["step", "run", "reset", "new", "upload", "loss-name"].forEach(function (id) { $(id).disabled = on; });
  }

  // A state from anything but an edit: nothing to highlight.
  function show(s) { before = null; render(s); }

  function render(s) {
    // Names come only with a state whose sizes may differ (GET /api/state, reset, new, a
    // loaded model); an edit, training and the stream's later states keep the names on show.
    if (!s.names) {
      if (!S || differs(S.sizes, s.sizes)) { return; } // a late answer about an older net
      s.names = S.names;
    }
    var resized = !S || differs(S.sizes, s.sizes);
    S = s;
    $("summary").textContent = "net " + s.sizes.join("-") + " · f = " + s.activation.join(", ") +
      " · " + s.loss_formula + " · data " + s.data + " (sample " + s.sample + " of " + s.N +
      ") · E = " + num(s.E);
    if (resized && selected) { selected = null; showEditor(); }
    fillLosses(s);
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
    loadBoundary(s);
    if (s.train.running) {
      if (!practising()) { loadWhy(); } // the explanation follows the training
    } else {
      if (selected) { showEditor(); }
      loadSteps();
    }
  }

  function settings(epochs) {
    var body = { optimizer: $("optimizer").value, epochs: epochs };
    var lr = $("lr").value.trim(), batch = $("batch").value.trim(), tol = $("tol").value.trim();
    if (lr !== "") { body.lr = Number(lr); }
    if (batch !== "" && body.optimizer === "sgd") { body.batch_size = Number(batch); }
    if (tol !== "") { body.tol = Number(tol); }
    return body;
  }

  function onStep() {
    api("POST", "/api/train", settings(1)).then(function (s) {
      say("one epoch", false); show(s);
    }, failed);
  }

  function onRun() {
    var epochs = Number($("epochs").value.trim());
    api("POST", "/api/run", settings(epochs)).then(function (s) {
      say("running " + epochs + " epochs", false);
      show(s);
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
    if (event === "state") { show(JSON.parse(data)); }
    else if (event === "done") {
      say("training stopped" + (S && S.train.stopped_by ? " by " + S.train.stopped_by : ""),
        false);
    }
  }

  function onDownload(ev) { download(ev, "/api/model", "microbp-model.json"); }
  function onDownloadTorch(ev) { download(ev, "/api/model?format=pt", "microbp-model.pt"); }

  function download(ev, path, name) {
    ev.preventDefault();
    var init = { headers: authorised({}), credentials: "omit" };
    fetch(path, init).then(function (r) {
      if (!r.ok) { return r.json().then(function (e) { throw new Error(e.error); }); }
      return r.blob();
    }).then(function (blob) {
      var link = el("a", { href: URL.createObjectURL(blob), download: name });
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      say("downloaded " + name, false);
    }).catch(failed);
  }

  function onPause() {
    api("POST", "/api/pause").then(function (s) { say("paused", false); show(s); }, failed);
  }

  function onReset() {
    api("POST", "/api/reset").then(function (s) { say("reset", false); show(s); }, failed);
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
      selected = null; say("new net " + s.sizes.join("-") + " on " + s.data, false); show(s);
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
      say("loaded " + file.name, false); selected = null; show(s);
    }, failed).then(function () { $("upload").value = ""; });
  }

  // Only the settings of the optimizer chosen: μ for GD and SGD, the batch for SGD, Δ₀ for
  // the Rprop family.
  function onOptimizer() {
    var name = $("optimizer").value;
    var rprop = name.indexOf("rprop") >= 0;
    $("lr-name").textContent = rprop ? "Δ₀" : "μ";
    $("lr").value = repr(options.default_lr[rprop ? "rprop" : name]);
    $("batch-field").hidden = name !== "sgd";
  }

  // ------------------------------------------------------------------------------------------
  // The decision boundary of a net of two inputs (GET /api/boundary: the net's own outputs on
  // a grid, computed by the server); the page colours the grid and draws the level line.

  function loadBoundary(s) {
    var box = $("boundary-box");
    if (s.sizes[0] !== 2) { box.hidden = true; return; }
    box.hidden = false;
    once("boundary", function () {
      return api("GET", "/api/boundary").then(drawBoundary, failed);
    });
  }

  function mix(c, t) { // white → colour c as t goes 0 → 1
    return c.map(function (v) { return Math.round(255 + (v - 255) * t); });
  }

  function drawBoundary(b) {
    var canvas = $("boundary"), ctx = canvas.getContext("2d");
    var size = canvas.width, n = b.x1.length;
    var lo = Math.min.apply(null, b.out.map(function (r) { return Math.min.apply(null, r); }));
    var hi = Math.max.apply(null, b.out.map(function (r) { return Math.max.apply(null, r); }));
    var level = b.kind === "output" ? b.level : null;
    var ORANGE = [217, 72, 15], BLUE = [28, 126, 214];
    var cell = size / n;
    function colourOf(v) {
      if (level === null) { // classes
        var c = COLOURS[v % COLOURS.length];
        return c;
      }
      var t = v >= level ? (v - level) / Math.max(hi - level, 1e-12)
                         : (level - v) / Math.max(level - lo, 1e-12);
      var rgb = mix(v >= level ? ORANGE : BLUE, 0.15 + 0.5 * Math.min(1, t));
      return "rgb(" + rgb.join(",") + ")";
    }
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        ctx.fillStyle = colourOf(b.out[r][c]);
        ctx.fillRect(c * cell, size - (r + 1) * cell, cell + 0.5, cell + 0.5);
      }
    }
    var X0 = b.x1[0], X1 = b.x1[n - 1], Y0 = b.x2[0], Y1 = b.x2[n - 1];
    function px(x) { return (x - X0) / (X1 - X0) * (size - cell) + cell / 2; }
    function py(y) { return size - ((y - Y0) / (Y1 - Y0) * (size - cell) + cell / 2); }
    if (level !== null) { // the level line, cell by cell (marching squares)
      ctx.strokeStyle = "#222";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (r = 0; r + 1 < n; r++) {
        for (c = 0; c + 1 < n; c++) {
          var corners = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1]];
          var cross = [];
          for (var k = 0; k < 4; k++) {
            var p = corners[k], q = corners[(k + 1) % 4];
            var vp = b.out[p[1]][p[0]] - level, vq = b.out[q[1]][q[0]] - level;
            if ((vp < 0) !== (vq < 0)) {
              var t = vp / (vp - vq);
              cross.push([b.x1[p[0]] + t * (b.x1[q[0]] - b.x1[p[0]]),
                          b.x2[p[1]] + t * (b.x2[q[1]] - b.x2[p[1]])]);
            }
          }
          for (k = 0; k + 1 < cross.length; k += 2) {
            ctx.moveTo(px(cross[k][0]), py(cross[k][1]));
            ctx.lineTo(px(cross[k + 1][0]), py(cross[k + 1][1]));
          }
        }
      }
      ctx.stroke();
    }
    b.points.forEach(function (pt, k) {
      var above = level === null ? null : b.targets[k] >= level;
      ctx.beginPath();
      ctx.arc(px(pt[0]), py(pt[1]), k + 1 === b.sample ? 5 : 3, 0, 2 * Math.PI);
      ctx.fillStyle = level === null ? COLOURS[b.targets[k] % COLOURS.length]
                                     : above ? "#d9480f" : "#1c7ed6";
      ctx.fill();
      ctx.strokeStyle = k + 1 === b.sample ? "#000" : "#fff";
      ctx.lineWidth = 1;
      ctx.stroke();
    });
    canvas.setAttribute("data-version", b.version);
    $("boundary-legend").textContent = (level === null
      ? "the class of the largest output aₖ, coloured as the points' classes"
      : "the net's output: orange above " + repr(level) + ", blue below; the line is the " +
        "decision boundary, output = " + repr(level)) + "; " + S.names.x[0] + " across, " +
      S.names.x[1] + " up; the sample on show is ringed.";
  }

  // ------------------------------------------------------------------------------------------
  // The backward stepper (data from microbp.viz.trace_backward, via GET /api/trace, a page of
  // steps at a time; the text of each step is Python's, microbp.viz.trace.explain)

  function loadSteps() {
    trace = null;
    fetchSteps(0).then(function () { showStep(Math.min(stepAt, trace.total)); },
      function (err) {
        if (err === STALE) { return; }
        trace = null;
        $("step-counter").textContent = "";
        $("step-panel").textContent = err.message;
      });
  }

  // The server answers requests in parallel: a page of steps asked for before the last edit
  // (or change of digits) can arrive after the one asked for since. Only the newest counts.
  var STALE = new Error("a newer page of steps was asked for");
  var stepsAsked = 0;
  function fetchSteps(start) {
    var q = "/api/trace?start=" + start + (digits ? "&digits=" + digits : "");
    var mine = ++stepsAsked;
    return api("GET", q).then(function (data) {
      if (mine !== stepsAsked) { throw STALE; }
      trace = data;
    });
  }

  function showStep(k) {
    if (!trace) { return; }
    k = Math.max(0, Math.min(trace.total, k));
    var n = trace.steps.length;
    if (k > 0 && (k - 1 < trace.start || k - 1 >= trace.start + n)) {
      var page = trace.steps.length || 1;
      fetchSteps(Math.floor((k - 1) / page) * page).then(function () { showStep(k); },
        function (err) { if (err !== STALE) { failed(err); } });
      return;
    }
    stepAt = k;
    $("step-counter").textContent = "step " + stepAt + " / " + trace.total;
    $("step-at").value = String(stepAt);
    $("step-prev").disabled = stepAt === 0;
    $("step-next").disabled = stepAt === trace.total;
    $("step-delta").disabled = !trace.neurons.some(function (z) { return z[0] > stepAt; });
    document.querySelectorAll(".neuron.stepping").forEach(function (e) {
      e.classList.remove("stepping");
    });
    var panel = $("step-panel");
    if (stepAt === 0) {
      panel.textContent = trace.intro + " Press Next.";
      return;
    }
    var s = trace.steps[stepAt - 1 - trace.start];
    if (s.neuron) {
      var node = $("neuron-" + s.neuron[0] + "-" + s.neuron[1]);
      if (node) { node.classList.add("stepping"); inView(node); }
    }
    var lines = [];
    s.lines.forEach(function (line) {
      if (line.kind === "local") { lines.push(""); }
      lines.push(line.kind === "chain" || line.kind === "grad" ? "  " + line.text : line.text);
    });
    panel.textContent = lines.join("\n");
  }

  // Scroll the network's own box (not the page) so that the lit neuron is in it.
  function inView(node) {
    var box = $("network-box"), r = node.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.top < b.top) { box.scrollTop -= b.top - r.top + 8; }
    else if (r.bottom > b.bottom) { box.scrollTop += r.bottom - b.bottom + 8; }
    if (r.left < b.left) { box.scrollLeft -= b.left - r.left + 8; }
    else if (r.right > b.right) { box.scrollLeft += r.right - b.right + 8; }
  }

  function nextDelta() {
    if (!trace) { return; }
    var next = trace.neurons.filter(function (z) { return z[0] > stepAt; })[0];
    if (next) { showStep(next[0]); }
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

  function onDigits() {
    digits = Number($("digits").value);
    try { sessionStorage.setItem("microbp-lab-digits", String(digits)); } catch (e) { /* */ }
    if (S) { render(S); } // the stepper's text too, written by Python with these digits
  }

  // Laid out again only when the network's box changed width since it was drawn.
  var resizing = null;
  function onResize() {
    if (resizing) { clearTimeout(resizing); }
    resizing = setTimeout(function () {
      if (S && $("network-box").clientWidth !== drawnWidth) { drawNetwork(S); showStep(stepAt); }
    }, 120);
  }

  function start() {
    if (!TOKEN) {
      say("This page needs the lab's token: open the address `microbp lab` printed " +
        "(http://…/#token=…).", true);
      return;
    }
    var kept = sessionStorage.getItem("microbp-lab-digits");
    if (kept !== null && $("digits").querySelector("option[value='" + Number(kept) + "']")) {
      $("digits").value = String(Number(kept));
      digits = Number(kept);
    }
    drawWidthLegend();
    $("download").addEventListener("click", onDownload);
    $("download-pt").addEventListener("click", onDownloadTorch);
    $("practice").addEventListener("change", onPractice);
    $("step").addEventListener("click", onStep);
    $("run").addEventListener("click", onRun);
    $("pause").addEventListener("click", onPause);
    $("reset").addEventListener("click", onReset);
    $("new").addEventListener("click", onNew);
    $("data").addEventListener("change", onData);
    $("upload").addEventListener("change", onUpload);
    $("optimizer").addEventListener("change", onOptimizer);
    $("digits").addEventListener("change", onDigits);
    $("loss-name").addEventListener("change", onLoss);
    $("sample").addEventListener("change", function () {
      change({ sample: Number($("sample").value) }, "sample " + $("sample").value);
    });
    $("step-prev").addEventListener("click", function () { showStep(stepAt - 1); });
    $("step-next").addEventListener("click", function () { showStep(stepAt + 1); });
    $("step-delta").addEventListener("click", nextDelta);
    $("step-at").addEventListener("change", function () {
      var k = parseInt($("step-at").value, 10);
      if (isFinite(k)) { showStep(k); }
    });
    window.addEventListener("resize", onResize);
    if (window.ResizeObserver) { // the box's width also changes when a scroll bar comes or goes
      new ResizeObserver(onResize).observe($("network-box"));
    }
    api("GET", "/api/options").then(function (o) {
      options = o;
      fill($("optimizer"), o.optimizers, "gd");
      onOptimizer();
      fill($("new-activation"), o.activations, "sigmoid");
      return api("GET", "/api/state");
    }).then(function (s) {
      fill($("data"), options.data, s.data);
      $("sizes").value = s.sizes.join(",");
      show(s);
      if (s.train.running) { follow(); }
      document.body.setAttribute("data-ready", "1");
    }, failed);
  }

  start();
})();
