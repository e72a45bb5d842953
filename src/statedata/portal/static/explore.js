// The explorer's extras: draw the chart and the map, and add copy buttons to code examples.
// Everything here is an addition; the page works without it (tables hold the same numbers).
(function () {
  "use strict";

  function drawChart() {
    var holder = document.getElementById("chart");
    var source = document.getElementById("chart-spec");
    if (!holder || !source || typeof vegaEmbed !== "function") return;
    var spec = JSON.parse(source.textContent);
    // No action menu: its "open in editor" would send the data outside the portal, and the
    // numbers are in the table beside the chart. The expression interpreter (ast) draws without
    // eval, which the Content Security Policy forbids.
    vegaEmbed(holder, spec, {
      actions: false,
      ast: true,
      renderer: "svg",
    }).then(function () {
      holder.setAttribute("data-drawn", "true");
    }).catch(function (error) {
      holder.textContent = "The chart could not be drawn: " + error.message;
    });
  }

  function drawMap() {
    var holder = document.getElementById("map");
    if (!holder || typeof L === "undefined") return;
    var map = L.map(holder, { preferCanvas: true });
    var tiles = holder.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { attribution: holder.getAttribute("data-attribution") || "" }).addTo(map);
    }
    map.setView([41.6, -72.7], 8);
    fetch(holder.getAttribute("data-geojson"), { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("the server answered " + response.status);
        return response.json();
      })
      .then(function (collection) {
        var placed = collection.features.filter(function (f) { return f.geometry; });
        var layer = L.geoJSON({ type: "FeatureCollection", features: placed }, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 4, weight: 1, color: "#005ea2", fillOpacity: 0.6 });
          },
          onEachFeature: function (feature, marker) {
            var lines = Object.keys(feature.properties).map(function (key) {
              var cell = document.createElement("div");
              cell.textContent = key + ": " + feature.properties[key];
              return cell.outerHTML;
            });
            marker.bindPopup(lines.join(""));
          },
        }).addTo(map);
        if (placed.length) map.fitBounds(layer.getBounds(), { maxZoom: 13 });
        holder.setAttribute("data-points", String(placed.length));
      })
      .catch(function (error) {
        holder.setAttribute("data-points", "0");
        holder.insertAdjacentText("afterend", "The map's points could not be loaded: " + error.message);
      });
  }

  function addCopyButtons() {
    document.querySelectorAll("pre[data-copy]").forEach(function (block) {
      if (!navigator.clipboard) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "usa-button usa-button--outline usa-button--small sd-copy";
      button.textContent = "Copy";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(block.textContent).then(function () {
          button.textContent = "Copied";
        });
      });
      block.insertAdjacentElement("beforebegin", button);
    });
  }

  drawChart();
  drawMap();
  addCopyButtons();
})();
