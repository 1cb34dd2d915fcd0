// Live transcript: new messages of the open conversation appear without reloading.
(function () {
  "use strict";
  var list = document.getElementById("transcript");
  if (!list || !window.EventSource) { return; }
  var id = list.getAttribute("data-conversation");
  var seen = Number(list.getAttribute("data-last")) || 0;
  var names = { citizen: "Bürger/in", bot: "Bot", staff: "Team", system: "System" };
  var source = new EventSource("/staff/conversations/" + encodeURIComponent(id) + "/events");
  source.addEventListener("message", function (event) {
    var m = JSON.parse(event.data);
    if (m.seq <= seen) { return; }
    seen = m.seq;
    var item = document.createElement("li");
    item.className = "msg " + m.sender;
    var who = document.createElement("p");
    who.className = "who";
    who.textContent = names[m.sender] || m.sender;
    var text = document.createElement("p");
    text.className = "text";
    text.textContent = m.text;  // never innerHTML: citizen text is untrusted
    item.appendChild(who);
    item.appendChild(text);
    list.appendChild(item);
  });
}());
