"""Rebuild samples/cxr from the full collection (../shared/data/covid-cxr in the development
workspace). Usage: python3 make_samples.py SOURCE_DIR OUTPUT_DIR"""
import csv, json, os, random, shutil, sys

ALLOWED = {'CC BY', 'CC BY-SA', 'CC BY-NC-SA', 'CC BY 3.0', 'CC BY 4.0', 'CC BY-NC-SA 4.0'}


def main(src, out, count=48, seed=42):
    rows = list(csv.DictReader(open(os.path.join(src, 'metadata.csv'))))
    boxes = json.load(open(os.path.join(src, 'lung-boxes.json')))
    boxed = {i['file_name'] for i in boxes['images']}
    usable = [x for x in rows
              if x['license'].strip() in ALLOWED and x['clinical_notes'].strip() and x['view'] != 'L'
              and os.path.exists(os.path.join(src, 'lung-masks', os.path.basename(x['image'])))]
    with_boxes = [x for x in usable if x['image'] in boxed]
    rest = [x for x in usable if x['image'] not in boxed]
    random.seed(seed)
    random.shuffle(rest)
    chosen = sorted(with_boxes + rest[:count - len(with_boxes)], key=lambda x: x['image'])
    os.makedirs(os.path.join(out, 'images'), exist_ok=True)
    os.makedirs(os.path.join(out, 'masks'), exist_ok=True)
    manifest = []
    for i, x in enumerate(chosen):
        name = os.path.basename(x['image'])
        shutil.copy(os.path.join(src, x['image']), os.path.join(out, 'images', name))
        shutil.copy(os.path.join(src, 'lung-masks', name), os.path.join(out, 'masks', name))
        manifest.append(dict(id='cxr%03d' % (i + 1), image='images/' + name, mask='masks/' + name,
                             report=' '.join(x['clinical_notes'].split()), finding=x['finding'],
                             view=x['view'], sex=x['sex'], age=x['age'], license=x['license'].strip(),
                             source_doi=x['doi'], source_url=x['url']))
    with open(os.path.join(out, 'manifest.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(manifest[0].keys()))
        w.writeheader()
        w.writerows(manifest)
    keep = {x['image'] for x in chosen}
    images = [dict(i, file_name='images/' + os.path.basename(i['file_name']))
              for i in boxes['images'] if i['file_name'] in keep]
    ids = {i['id'] for i in images}
    json.dump(dict(images=images, annotations=[a for a in boxes['annotations'] if a['image_id'] in ids],
                   categories=boxes['categories']), open(os.path.join(out, 'lung-boxes.json'), 'w'), indent=1)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
