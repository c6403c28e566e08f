// Prints {"columns": [...], "rows": [...]} for the Parquet file named on the command line, read by hyparquet
// rather than the library that wrote it. Non-finite numbers become strings ("NaN"), which JSON cannot hold.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet'

const file = await asyncBufferFromFile(process.argv[2])
const metadata = await parquetMetadataAsync(file)
const columns = parquetSchema(metadata).children.map(c => ({ name: c.element.name, type: c.element.type }))
const rows = await parquetReadObjects({ file })
const json = JSON.stringify({ columns, rows }, (_, v) =>
  typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' ? Number(v) : v)
process.stdout.write(json)
