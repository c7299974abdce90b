/* The application form (intake/apply.html): lists of provinces and districts that follow the
 * department without a reload, and one click that sends once. A file, not an inline script:
 * the Content-Security-Policy runs scripts from our own files only. Without JavaScript the
 * form works as it is (the server fills the lists). */
(function(){
var f=document.getElementById("apply");if(!f||!window.fetch)return;
var d=f.elements.department,p=f.elements.province,t=f.elements.district,nojs=document.querySelectorAll(".nojs");
function show(on){nojs.forEach(function(e){e.hidden=!on})}
show(false);
function fill(sel,code){
  var first=sel.options[0].cloneNode(true);sel.innerHTML="";sel.appendChild(first);
  if(!code)return;
  fetch("/lugares/"+code+".json").then(function(r){if(!r.ok)throw r;return r.json()}).then(function(j){
    j.children.forEach(function(c){sel.appendChild(new Option(c[1],c[0]))});
  }).catch(function(){show(true)});  // offline or a bad answer: the server fills the lists instead
}
d.addEventListener("change",function(){fill(p,d.value);fill(t,"")});
p.addEventListener("change",function(){fill(t,p.value)});
// One click sends once; a second click within a few seconds is a double click, not a retry.
var b=document.getElementById("send"),label=b.textContent,sent=0;
f.addEventListener("submit",function(e){
  if(e.submitter&&e.submitter.name==="update_places")return;
  if(Date.now()-sent<8000){e.preventDefault();return}
  sent=Date.now();b.textContent=b.getAttribute("data-sending");b.setAttribute("aria-disabled","true");
});
window.addEventListener("pageshow",function(){sent=0;b.textContent=label;b.removeAttribute("aria-disabled")});
var err=document.getElementById("errors");if(err)err.focus();
})();
