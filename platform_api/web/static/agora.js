// Live updates from Agora's streaming API (Mastodon's `user` stream over server-sent events):
// new posts are inserted at the top of the home feed and new notifications into the list,
// each fetched as server-rendered HTML, so this file renders nothing itself.
(function () {
  "use strict";
  const meta = document.querySelector('meta[name="agora-stream-token"]');
  if (!meta || !window.EventSource) return;
  const stream = new EventSource("/api/v1/streaming/user?access_token=" + encodeURIComponent(meta.content));
  let unseen = 0;

  function insertFrom(url, listId, itemId) {
    const list = document.getElementById(listId);
    if (!list || document.getElementById(itemId)) return;
    htmx.ajax("GET", url, { target: list, swap: "afterbegin" }).then(function () {
      const empty = list.querySelector(":scope > li.empty");
      if (empty) empty.remove();
    });
  }

  stream.addEventListener("update", function (event) {
    const status = JSON.parse(event.data);
    const shown = status.reblog || status;
    insertFrom("/web/statuses/" + shown.id + "/card", "feed", "status-" + shown.id);
  });

  stream.addEventListener("notification", function (event) {
    const notification = JSON.parse(event.data);
    insertFrom("/web/notifications/" + notification.id + "/item", "notifications", "notification-" + notification.id);
    if (!document.getElementById("notifications")) {
      unseen += 1;
      document.getElementById("notification-badge").textContent = unseen + " new";
    }
  });

  stream.addEventListener("delete", function (event) {
    const gone = document.getElementById("status-" + event.data);
    if (gone) gone.closest("li").remove();
  });

  document.body.dataset.stream = "connecting";
  stream.addEventListener("open", function () { document.body.dataset.stream = "open"; });
})();
