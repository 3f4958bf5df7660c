(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("trace-data").textContent);
  var last = D.steps.length - 1;
  var k = 0;
  function gradText(id) {
    var g = document.getElementById(id);
    if (!g) { return null; }
    var texts = g.getElementsByTagName("text");
    return texts.length ? texts[texts.length - 1] : null;
  }
  function show(step) {
    k = Math.max(0, Math.min(last, step));
    var state = {};
    D.nodes.forEach(function (n) { state[n.id] = n.initial; });
    for (var s = 1; s <= k; s++) {
      D.steps[s].changes.forEach(function (c) { state[c[0]] = [c[1], c[2]]; });
    }
    var cur = D.steps[k];
    var touched = {};
    cur.changes.forEach(function (c) { touched[c[0]] = true; });
    D.nodes.forEach(function (n) {
      var t = gradText(n.id);
      if (t) { t.textContent = n.prefix + state[n.id][0]; }
      [n.id, n.id + "op"].forEach(function (id) {
        var g = document.getElementById(id);
        if (g) {
          g.classList.toggle("current", id === cur.node || id === cur.node + "op");
          g.classList.toggle("input", !!touched[n.id] && id === n.id);
        }
      });
    });
    var cells = document.querySelectorAll("td.grad");
    for (var i = 0; i < cells.length; i++) {
      var id = cells[i].getAttribute("data-node");
      cells[i].textContent = state[id][1];
      cells[i].parentNode.classList.toggle("changed", !!touched[id]);
    }
    document.getElementById("panel").innerHTML = cur.panel;
    document.getElementById("counter").textContent = "step " + k + " / " + last;
    document.getElementById("prev").disabled = k === 0;
    document.getElementById("next").disabled = k === last;
    if (cur.node) {
      var el = document.getElementById(cur.node);
      if (el && el.scrollIntoView) { el.scrollIntoView({block: "nearest", inline: "nearest"}); }
    }
  }
  document.getElementById("prev").addEventListener("click", function () { show(k - 1); });
  document.getElementById("next").addEventListener("click", function () { show(k + 1); });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowRight" || ev.key === "ArrowDown") { show(k + 1); }
    else if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") { show(k - 1); }
    else if (ev.key === "Home") { show(0); }
    else if (ev.key === "End") { show(last); }
    else { return; }
    ev.preventDefault();
  });
  show(0);
})();
