// Decap CMS waits for CMS.init() (achats-cms.js registers our format and preview first).
window.CMS_MANUAL_INIT = true;
