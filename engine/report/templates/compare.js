(function(){
  var data = JSON.parse(document.getElementById('kinerja-data').textContent);
  var T = JSON.parse(document.getElementById('kinerja-texts').textContent);
  var rows = data.changed || [], body = document.getElementById('changed-body');
  var count = document.getElementById('changed-count'), box = document.getElementById('search');
  var LIMIT = T.limit;
  function esc(s){return String(s).replace(/[&<>"]/g,function(c){
    return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c];});}
  function val(v){return v===null||v===undefined?'-':(v===true?T.yes:(v===false?T.no:String(v)));}
  function text(e){var g=e.groups||{},parts=[e.row,e.nip||'',e.name||''];for(var k in g){parts.push(g[k]);}
    e.differences.forEach(function(d){parts.push(d.name,val(d.a),val(d.b),d.reason);});
    return parts.join(' ').toLowerCase();}
  function diffs(e){return e.differences.map(function(d){
    var head=d.kind==='action'?(d.b?'+':'\u2212')+d.name:d.name+': '+val(d.a)+' \u2192 '+val(d.b);
    return '<div><b>'+esc(head)+'</b> <span class="muted">'+esc(d.reason)+'</span></div>';}).join('');}
  function row(e){var g=e.groups||{},gs=[];for(var k in g){gs.push(g[k]);}
    return '<tr data-row="'+e.row+'"><td class="n">'+e.row+'</td><td>'+esc(e.nip||'-')+'</td><td>'+
      esc(e.name||'-')+'</td><td>'+esc(gs.join(', '))+'</td><td>'+esc(val(e.output.a))+' \u2192 '+
      esc(val(e.output.b))+'</td><td>'+diffs(e)+'</td></tr>';}
  var index = rows.map(text);
  function apply(){
    var q=(box.value||'').trim().toLowerCase(), html=[], n=0;
    var terms=(q.match(/"[^"]+"|\S+/g)||[]).map(function(t){return t.replace(/^"|"$/g,'');});
    for(var i=0;i<rows.length;i++){
      var ok=true;for(var t=0;t<terms.length;t++){if(index[i].indexOf(terms[t])<0){ok=false;break;}}
      if(ok){n++;if(html.length<LIMIT){html.push(row(rows[i]));}}
    }
    body.innerHTML=html.join('');
    count.textContent=n+' '+T.of+' '+rows.length+' '+T.shown+(n>LIMIT?' ('+T.first+' '+LIMIT+')':'');
    count.setAttribute('data-matches', n);
  }
  if(box){
    box.addEventListener('input', apply);
    var m=/[#&]q=([^&]*)/.exec(location.hash);
    if(m){box.value=decodeURIComponent(m[1].replace(/\+/g,' '));}
    apply();
  }
  document.body.setAttribute('data-js','ready');
})();
