// OpenSeal console, sealing page: drag the seal onto the page picture (pointer events) or
// move it with the arrow keys; the hidden inputs fx/fy hold the seal's centre as fractions
// of the picture (the server turns them into mm). Without JS the x/y mm fields work.
(function () {
  "use strict";
  var stage = document.getElementById("stage");
  var seal = document.getElementById("seal-handle");
  var fx = document.getElementById("f-fx");
  var fy = document.getElementById("f-fy");
  if (!stage || !seal || !fx || !fy) {
    return;
  }
  var w = parseFloat(stage.getAttribute("data-seal-w")) || 20; // % of the picture's width
  var h = parseFloat(stage.getAttribute("data-seal-h")) || 20; // % of its height
  var cx = 1 - w / 200 - 0.1;
  var cy = 1 - h / 200 - 0.1;

  function clamp(value, half) {
    return Math.min(Math.max(value, half), 1 - half);
  }

  function place(x, y) {
    cx = clamp(x, w / 200);
    cy = clamp(y, h / 200);
    seal.style.width = w + "%";
    seal.style.height = h + "%";
    seal.style.left = (cx * 100 - w / 2) + "%";
    seal.style.top = (cy * 100 - h / 2) + "%";
    fx.value = cx.toFixed(5);
    fy.value = cy.toFixed(5);
  }

  function fromPointer(event) {
    var box = stage.getBoundingClientRect();
    place((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
  }

  seal.hidden = false;
  stage.classList.add("ready");
  place(cx, cy);
  var dragging = false;
  seal.addEventListener("pointerdown", function (event) {
    dragging = true;
    seal.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  seal.addEventListener("pointermove", function (event) {
    if (dragging) {
      fromPointer(event);
    }
  });
  seal.addEventListener("pointerup", function (event) {
    dragging = false;
    seal.releasePointerCapture(event.pointerId);
  });
  seal.addEventListener("dragstart", function (event) {
    event.preventDefault();
  });
  stage.addEventListener("click", function (event) {
    if (event.target !== seal) {
      fromPointer(event);
    }
  });
  seal.addEventListener("keydown", function (event) {
    var step = event.shiftKey ? 0.05 : 0.01;
    var moves = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step],
                 ArrowDown: [0, step]};
    var move = moves[event.key];
    if (move) {
      place(cx + move[0], cy + move[1]);
      event.preventDefault();
    }
  });
})();
