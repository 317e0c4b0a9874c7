// Two-click video embeds ({{ video(…) }} in Markdown): the player of another site is loaded
// only when the visitor presses "Play", so that no other host learns of a visit before that.
(function () {
  "use strict";
  if (window.heraldVideoEmbeds) return;
  window.heraldVideoEmbeds = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".video-load");
    if (!button) return;
    var figure = button.closest(".video-embed");
    if (!figure) return;
    var src = figure.getAttribute("data-embed-src");
    var player = document.createElement("iframe");
    player.src = src + (src.indexOf("?") < 0 ? "?" : "&") + "autoplay=1";
    player.title = figure.getAttribute("data-embed-title") || "";
    player.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    player.allowFullscreen = true;
    player.referrerPolicy = "strict-origin-when-cross-origin";
    var consent = figure.querySelector(".video-consent");
    figure.replaceChild(player, consent);
    figure.classList.add("video-playing");
    player.focus();
  });
})();
