// storeroom dashboard: live regions. An element with data-live="URL" is kept up to date by
// the server-sent events at URL: each event's data is the region's new HTML, rendered (and
// escaped) by the server. A region marked data-live-guard is left alone while the user is
// in the middle of something in it (focus inside, or a field typed into), so a form being
// filled in is never swapped away.
"use strict";

function busy(region) {
  if (region.contains(document.activeElement) && document.activeElement !== region) {
    return true;
  }
  for (const field of region.querySelectorAll("input[type=text], input[type=number], textarea")) {
    if (field.value !== field.defaultValue) {
      return true;
    }
  }
  return false;
}

function follow(region) {
  const source = new EventSource(region.dataset.live);
  source.onmessage = (event) => {
    if (region.hasAttribute("data-live-guard") && busy(region)) {
      return;
    }
    if (region.innerHTML !== event.data) {
      // Entries the user opened (a <details> with an id) stay open in the new HTML.
      const open = [...region.querySelectorAll("details[id][open]")].map((d) => d.id);
      region.innerHTML = event.data;
      for (const id of open) {
        const details = document.getElementById(id);
        if (details && region.contains(details)) {
          details.open = true;
        }
      }
    }
    region.dataset.liveState = "open";
  };
  source.onerror = () => {
    // The browser reconnects by itself after the server's bounded stream ends; a 401 (the
    // session ended) closes it for good.
    region.dataset.liveState = source.readyState === EventSource.CLOSED ? "closed" : "retrying";
  };
}

document.addEventListener("DOMContentLoaded", () => {
  for (const region of document.querySelectorAll("[data-live]")) {
    follow(region);
  }
});
