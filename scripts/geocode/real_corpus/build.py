"""Rebuilds tests/data/real/real.tsv from the extracts in tests/data/real/raw:
    python3 scripts/geocode/real_corpus/build.py"""
import re,json,csv,sys,os
sys.path.insert(0,os.path.dirname(os.path.abspath(__file__)))
from label import *
CPCA_SRC='DQinYuan/chinese_province_city_area_mapper/tests/addr.csv@2119f49c33f7a94265d97900547ad9589a3c3776'
AP_SRC='npm address-parse@1.2.19/src/test.js'
rows=[]
REAL=os.path.join(ROOT,'crates','wangge-geocode','tests','data','real')
for f in ('cpca_addr_extract.txt',):
    for i,l in enumerate(open(os.path.join(REAL,'raw',f),encoding='utf-8')):
        a=l.rstrip('\n')
        rows.append(dict(address=a,src=CPCA_SRC,tag='cpca_addr',expect=None))
# address-parse: line by line
src=open(os.path.join(REAL,'raw','address-parse-1.2.19-test.js'),encoding='utf-8').read()
block=src[src.index('const list = ['):src.index("console.time('测试地址解析耗时')")]
block=block.replace("\\n' +\n  '",' ')
for line in block.split('\n')[1:]:
    m=re.match(r"\s*\[?'((?:[^'\\]|\\.)*)'(.*)$",line)
    if not m: continue
    a,rest=m.group(1),m.group(2)
    code=re.search(r"'(\d{6})'",rest); name=re.search(r"name:\s*'([^']*)'",rest)
    a=re.sub(r'1[3-9]\d{9}','',a)           # mobile numbers
    if name: a=a.replace(name.group(1),'')  # the receiver's name the test expects
    rows.append(dict(address=a.strip(),src=AP_SRC,tag='address_parse,delivery',expect=code.group(1) if code else None))
out=[];drop={}
GENERIC={'市辖区','县','省直辖县级行政区划','自治区直辖县级行政区划'}
for r in rows:
    a=r['address']
    # normalise only for matching: full-width spaces kept in the address itself
    t=re.sub(r'\s+','',a)
    if re.search(r'[;；/]|总部|和江苏|&',t):
        drop['two addresses']=drop.get('two addresses',0)+1; continue
    cc,c=county_of(t)
    if r['expect'] and r['expect'] in area and cc!=r['expect']:
        cc=r['expect']; c=c or {}; r['tag']+=',label_from_source'
    if cc is not None and 'label_from_source' not in r['tag']:
        named=[k for k,v in city.items() if v not in GENERIC and v in t]
        if named and area[cc][1] not in named and not any(v in area[cc][0] for k,v in city.items() if k in named):
            drop['city named elsewhere']=drop.get('city named elsewhere',0)+1; continue
    if cc is None:
        why='no county named' if not c else 'several counties'
        drop[why]=drop.get(why,0)+1; continue
    tw,how=town_of(t,cc)
    n,ci,p=area[cc]
    tags=[r['tag']]
    kinds={k for v in c.values() for k,_,_ in v}
    if 'old' in kinds and not any(k=='full' and nm==n for v in c.values() for k,nm,_ in v): tags.append('old_name')
    if 'short' in kinds: tags.append('short_county')
    if not any(x in t for x in (prov[p],psh(prov[p]))): tags.append('no_province')
    if r['expect'] and r['expect']!=cc: tags.append('src_expect_'+r['expect'])
    out.append(dict(address=a,province=p,city=ci,county=cc,town=tw,village='',tags=','.join(tags),source=r['src']))
print(len(rows),'rows read;',len(out),'kept;',drop,file=sys.stderr)
import collections
print(collections.Counter(o['town'] if o['town'] in ('','?') else 'code' for o in out),file=sys.stderr)
print(collections.Counter(o['province'] for o in out).most_common(),file=sys.stderr)
w=csv.writer(open(os.path.join(REAL,'real.tsv'),'w',encoding='utf-8',newline=''),delimiter='\t',lineterminator='\n',quoting=csv.QUOTE_NONE,escapechar=None)
w.writerow(['address','province','city','county','town','village','tags','source'])
for o in out:
    assert '\t' not in o['address']
    w.writerow([o[k] for k in ('address','province','city','county','town','village','tags','source')])
