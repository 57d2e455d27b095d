/* global document */
// Stands in for apps/dashboard until its build exists, so that serving can be built and tested first.
document.getElementById('app').dataset.ready = 'true';
